using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmCompiler.Contracts;

/// <summary>
/// One unit of work for the factory: what to change (intent), where (allowed files), what must hold before
/// and after (conditions) and how success is judged (acceptance commands). The single contract type every
/// stage parses through; see <see cref="ContractReader"/> for the position-aware, never-throwing reader.
/// </summary>
public sealed record WorkOrder
{
    public const int MaxContextFiles = 10;

    public string Id { get; init; } = "";
    public string Title { get; init; } = "";
    public string Intent { get; init; } = "";
    public IReadOnlyList<Condition> Preconditions { get; init; } = [];
    public IReadOnlyList<Condition> Postconditions { get; init; } = [];
    public IReadOnlyList<string> AllowedFiles { get; init; } = [];
    public IReadOnlyList<string> Forbidden { get; init; } = [];
    public IReadOnlyList<string> AcceptanceCommands { get; init; } = [];
    public IReadOnlyList<string> ContextFiles { get; init; } = [];

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Notes { get; init; }

    public bool VerifyExempt { get; init; }

    /// <summary>
    /// Ids of earlier work orders this one needs, besides those it is implied to need (an earlier work order that
    /// creates a file it reads, requires or writes). Null — the field absent — means it needs every earlier work
    /// order, which is what a plan meant before this field existed; an empty list means only the implied ones.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? DependsOn { get; init; }

    /// <summary>
    /// Test files the <c>test_author</c> role writes before the executor runs; proven red, then frozen (the executor may
    /// not touch them). Never in any work order's <c>allowed_files</c> (E112); each is an implied postcondition. Null —
    /// the field absent — and an empty list both mean no tests first.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Tests { get; init; }

    /// <summary>
    /// How hard the planner judged the work: <c>easy</c>, <c>medium</c> or <c>hard</c>. It picks the escalation ladder's
    /// first rung (<c>hard</c> starts at the <c>escalation</c> role); null — the field absent — means <c>medium</c>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Difficulty { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Provenance? Provenance { get; init; }

    /// <summary>Properties the contract does not know (reported as W102), kept when the file is rewritten.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownProperties { get; set; }

    /// <summary>Paths this work order promises will exist afterwards (its frozen tests included).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> CreatedPaths
    {
        get
        {
            // A handful of paths per work order: first-wins de-duplication by scanning what is kept.
            var created = new List<string>(Postconditions.Count + TestFiles.Count);
            foreach (var condition in Postconditions)
            {
                if (condition.Kind == ConditionKind.FileExists && !created.Contains(condition.Path)) created.Add(condition.Path);
            }
            foreach (var test in TestFiles)
            {
                if (!created.Contains(test)) created.Add(test);
            }
            return created;
        }
    }

    /// <summary>The difficulty as the ladder reads it: <see cref="Difficulty"/>, <c>medium</c> when absent.</summary>
    [JsonIgnore]
    public WorkOrderDifficulty DifficultyLevel => WorkOrderDifficulties.Parse(Difficulty) ?? WorkOrderDifficulty.Medium;

    /// <summary>The tests written first, or none.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> TestFiles => Tests ?? [];
}
