using System.Text.Json;

namespace LlmCompiler.Factory.Records;

/// <summary>
/// <c>run_summary.json</c>: how one work order's run ended, written by the run itself or, for a run that died, by the
/// recovery of a later session (then only what its journal tells is filled in).
/// </summary>
public sealed record RunSummary
{
    public const string FileName = "run_summary.json";

    public string RunId { get; init; } = "";
    public string? WorkOrderId { get; init; }
    public string? WorkOrderSha256 { get; init; }

    /// <summary>PASS, FAIL, or ERROR (cancelled, internal error, or a run that died and was recovered).</summary>
    public string Verdict { get; init; } = "";
    public int TotalAttempts { get; init; }

    /// <summary>The worktree slot the run used (<c>attempt</c>, or <c>slot-N</c> in a parallel run).</summary>
    public string? Slot { get; init; }
    public string? BaselineCommit { get; init; }
    public string? WorkingBranch { get; init; }
    public string? LandedCommit { get; init; }
    public string? KeptBranch { get; init; }
    public string? Commit { get; init; }
    public string? Started { get; init; }
    public string? Finished { get; init; }
    public double? DurationSeconds { get; init; }
    public LlmUsageRecord? Llm { get; init; }
    public RunConfigRecord? Config { get; init; }
    public IReadOnlyList<AttemptRecord> Attempts { get; init; } = [];

    /// <summary>The tests written first, their red evidence and the test author's attempts; absent without <c>tests</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public TestsFirstRecord? TestsFirst { get; init; }

    /// <summary>The difficulty the ladder used, whether it escalated, and the role and model whose attempt passed.</summary>
    public string? Difficulty { get; init; }
    public bool Escalated { get; init; }
    public string? LandedByRole { get; init; }
    public string? LandedByModel { get; init; }
    public ReviewRecord? Review { get; init; }

    /// <summary>Calls, tokens and cost per role and per model.</summary>
    public IReadOnlyDictionary<string, LlmUsageRecord>? ByRole { get; init; }
    public IReadOnlyDictionary<string, LlmUsageRecord>? ByModel { get; init; }

    /// <summary>Every diagnostic of the run, in MSBuild canonical form, redacted.</summary>
    public IReadOnlyList<string> Diagnostics { get; init; } = [];
    public string? Error { get; init; }

    /// <summary>Reads a summary written by any version of this type; unknown fields are ignored, missing ones default.</summary>
    public static RunSummary Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), FactoryJsonContext.Default.RunSummary)
        ?? throw new InvalidDataException($"{path} holds no run summary");

    /// <summary>Writes the summary into a run folder: keys sorted, 2-space indent, LF, like every artifact of the run.</summary>
    internal void WriteTo(RunArtifacts artifacts) =>
        artifacts.WriteRecord(FileName, this, FactoryJsonContext.Default.RunSummary);
}

/// <summary>The model use of a run: calls, tokens, and the cost, which is a lower bound when a model had no price.</summary>
public sealed record LlmUsageRecord
{
    public int Calls { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal CostUsd { get; init; }
    public bool CostKnown { get; init; } = true;

    public LlmUsageRecord Plus(LlmUsageRecord other) => new()
    {
        Calls = Calls + other.Calls, InputTokens = InputTokens + other.InputTokens, OutputTokens = OutputTokens + other.OutputTokens,
        CostUsd = CostUsd + other.CostUsd, CostKnown = CostKnown && other.CostKnown,
    };
}

/// <summary>The settings a run used, as resolved (what was sent, not what was asked for).</summary>
public sealed record RunConfigRecord
{
    public string? LlmModel { get; init; }
    public double? LlmTemperature { get; init; }
    public int MaxAttempts { get; init; }
    public double TimeoutSeconds { get; init; }
    public string RepoRoot { get; init; } = "";
    public string OutDir { get; init; } = "";
    public string Sandbox { get; init; } = "";
    public IReadOnlyList<string>? VerifyCommandOverride { get; init; }
    public WriteLimitsRecord Defaults { get; init; } = new();
}

/// <summary>The size limits proposals were judged by.</summary>
public sealed record WriteLimitsRecord
{
    public long MaxFileWriteBytes { get; init; }
    public long MaxTotalWriteBytes { get; init; }
    public int ContextBudgetBytes { get; init; }
}

/// <summary>What the test author wrote and why it counts as red.</summary>
public sealed record TestsFirstRecord
{
    public IReadOnlyList<FrozenFileRecord> Frozen { get; init; } = [];
    public string Classification { get; init; } = "";
    public IReadOnlyList<string> FailingTests { get; init; } = [];
    public IReadOnlyList<string> CompilerErrors { get; init; } = [];
    public string AuthorModel { get; init; } = "";

    /// <summary>Test author attempts this run made (0 when the frozen tests of an earlier run were reused).</summary>
    public IReadOnlyList<AttemptRecord> AuthorAttempts { get; init; } = [];
    public bool Reused { get; init; }
}

/// <summary>One frozen test: path, git blob id, SHA-256 of its bytes, and (in the reuse store) the bytes themselves.</summary>
public sealed record FrozenFileRecord
{
    public string Path { get; init; } = "";
    public string Blob { get; init; } = "";
    public string Sha256 { get; init; } = "";

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ContentBase64 { get; init; }
}

/// <summary>The reviews of a work order: those that answered, and those that blocked.</summary>
public sealed record ReviewRecord
{
    public int Runs { get; init; }
    public int Blocks { get; init; }
}
