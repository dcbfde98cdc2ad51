using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmCompiler.Contracts;

/// <summary>The planner's output: an overview, the global verify contract and the ordered work orders.</summary>
public sealed record Manifest
{
    public const string FileName = "WORK_ORDERS_MANIFEST.json";

    public IReadOnlyList<string> SystemOverview { get; init; } = [];

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public VerifyContract? VerifyContract { get; init; }

    public IReadOnlyList<WorkOrder> WorkOrders { get; init; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownProperties { get; set; }
}
