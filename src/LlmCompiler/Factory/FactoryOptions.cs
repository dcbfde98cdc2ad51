using LlmCompiler.Diagnostics;

namespace LlmCompiler.Factory;

/// <summary>Settings of one factory run (one work order, or a plan with run-all).</summary>
public sealed record FactoryOptions
{
    /// <summary>
    /// How many work orders of a plan with <c>depends_on</c> may run at once, each in its own worktree slot; 1 runs
    /// every plan one work order after the other.
    /// </summary>
    public int MaxParallel { get; init; } = 1;

    /// <summary>Keep a passing commit on <c>llmc/&lt;run&gt;/&lt;WO&gt;</c> instead of landing it (<c>llmc run --no-land</c>).</summary>
    public bool NoLand { get; init; }

    /// <summary>The run whose kept branches a no-land run writes and <c>llmc land</c> reads; null for a new id, or any run.</summary>
    public string? RunId { get; init; }

    /// <summary>
    /// This process is a node of the fanned-out run <see cref="RunId"/> (one MSBuild node per work order): the run's
    /// coordinator holds the repository lock and did the recovery; the node checks that, takes a slot lease and runs.
    /// </summary>
    public bool JoinRun { get; init; }

    /// <summary>For a work order with tests written first: passing acceptance runs needed in a row before it lands (E225 otherwise).</summary>
    public int FlakeRuns { get; init; } = 2;

    /// <summary>Retry a flaky work order's executor like any failure, instead of stopping it (E225).</summary>
    public bool RetryFlaky { get; init; }

    /// <summary>Attempts per work order, the first included; the planner uses the same default.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Per child command (verify, acceptance): on expiry the whole process tree is killed.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Replaces the verify contract's command (argv); ignored for verify-exempt work orders.</summary>
    public IReadOnlyList<string>? VerifyCommandOverride { get; init; }

    public bool AllowVerifyExempt { get; init; }

    /// <summary>Name of the variable holding the API key: scrubbed from children and redacted from prompts.</summary>
    public string? ApiKeyVariable { get; init; }

    /// <summary>Every variable that holds a key of this run: <see cref="ApiKeyVariable"/> and each role's own.</summary>
    public IReadOnlyList<string> KeyVariables =>
        [.. new[] { ApiKeyVariable }.Concat(Roles.Bindings.Values.Select(b => b.ApiKeyVariable)).OfType<string>().Distinct(StringComparer.Ordinal)];

    /// <summary>Where a copy of each run's artifacts is exported (the originals stay under <c>.llmc/runs/factory</c>).</summary>
    public string? OutDir { get; init; }

    public int ContextBudgetBytes { get; init; } = ExecutorPrompt.DefaultContextBudgetBytes;

    /// <summary>How verify and acceptance commands are contained (LlmcSandbox, LlmcSandboxNetwork, LlmcPassEnvironment).</summary>
    public Sandbox.SandboxOptions Sandbox { get; init; } = new();

    /// <summary>The cassette folder (absolute); no proposal may write inside it when it lies in the repository.</summary>
    public string? CassettesDirectory { get; init; }

    /// <summary>Work-order ids to execute again although they landed (<c>--force</c>, <c>LlmcRerun</c>).</summary>
    public IReadOnlySet<string> Rerun { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Tests only: a git executable to use instead of the one on PATH (to make git fail part-way).</summary>
    internal string? GitExecutable { get; init; }

    /// <summary>Tests only: the attempt's stages, instead of <see cref="Attempts.AttemptPipeline.Default"/>.</summary>
    internal Attempts.AttemptPipeline? Pipeline { get; init; }

    /// <summary>The roles' models (<c>llmc.json</c>, <c>LlmcRole</c>); unbound roles use <see cref="Model"/>.</summary>
    public Configuration.Roles.RoleSet Roles { get; init; } = Configuration.Roles.RoleSet.None;

    /// <summary>When the reviewer runs; off unless configured.</summary>
    public Configuration.Roles.ReviewPolicy Review { get; init; } = Configuration.Roles.ReviewPolicy.Off;

    /// <summary>The run's health budget.</summary>
    public Configuration.Roles.HealthLimits Health { get; init; } = Configuration.Roles.HealthLimits.Default;

    /// <summary>Recorded in the run summary only; the LLM session owns the actual model settings.</summary>
    public string? Model { get; init; }
    public double? Temperature { get; init; }
}

/// <summary>Exit codes of <c>llmc run</c> / <c>llmc run-all</c>.</summary>
public static class FactoryExitCodes
{
    public const int Pass = 0;
    public const int Fail = 1;
    public const int Error = 2;
    public const int Cancelled = 130;
}

/// <summary>How one work order's run ended.</summary>
public sealed record RunOutcome
{
    public required string WorkOrderId { get; init; }
    public required string Verdict { get; init; }
    public required int ExitCode { get; init; }
    public string? RunId { get; init; }
    public string? LandedCommit { get; init; }
    public string? KeptBranch { get; init; }
    public int Attempts { get; init; }
    public bool Skipped { get; init; }
    public TimeSpan Duration { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal CostUsd { get; init; }

    /// <summary>False when a call's model had no price: <see cref="CostUsd"/> is then a lower bound, shown as unknown.</summary>
    public bool CostKnown { get; init; } = true;
    public string? RunDirectory { get; init; }
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>The commit the run made (landed, kept, or neither when landing was refused).</summary>
    public string? Commit { get; init; }

    /// <summary>The worktree slot it ran in, and when: what overlapped in a parallel run.</summary>
    public string? Slot { get; init; }
    public DateTimeOffset? Started { get; init; }
    public DateTimeOffset? Finished { get; init; }

    /// <summary>The work order's metrics line, when it ran (not for DONE, refused or blocked ones).</summary>
    public Metrics.WorkOrderMetrics? Metrics { get; init; }

    /// <summary>A work order that was not run at all (a refusal before any attempt): verdict <c>REFUSED</c>, zero attempts.</summary>
    public static RunOutcome Refused(string woId, IEnumerable<Diagnostic> diagnostics) =>
        new() { WorkOrderId = woId, Verdict = "REFUSED", ExitCode = FactoryExitCodes.Fail, Diagnostics = [.. diagnostics] };
}
