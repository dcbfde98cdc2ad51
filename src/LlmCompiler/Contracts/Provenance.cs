using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmCompiler.Contracts;

/// <summary>Where a planner-written work order came from; lets the factory link its runs to a plan.</summary>
public sealed record Provenance
{
    public string PlannerRunId { get; init; } = "";
    public string? SpecSha256 { get; init; }
    public string? TemplateSha256 { get; init; }
    public string? Model { get; init; }
    public string? ManifestSha256 { get; init; }
    public IReadOnlyList<string> CassetteKeys { get; init; } = [];

    /// <summary>True when the planner computed <c>verify_exempt</c> for this work order (bootstrap phase).</summary>
    public bool Bootstrap { get; init; }

    // A settable (not init) property: System.Text.Json cannot bind extension data through an init-only setter.
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownProperties { get; set; }
}
