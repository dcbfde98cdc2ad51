using LlmCompiler.Contracts;
using LlmCompiler.Factory.Isolation;
using LlmCompiler.Factory.Records;
using LlmCompiler.Llm;

namespace LlmCompiler.Factory.Attempts;

/// <summary>
/// One attempt as the stages see it: the run it belongs to, its worktree, the previous attempt's failure, and what
/// earlier stages produced for later ones (the proposal, the stored blobs, the commit).
/// </summary>
internal sealed class AttemptContext
{
    private AttemptCommands? _commands;

    public AttemptContext(RunContext run, int attempt, AttemptSlot slot, FailureBrief? previous)
    {
        Run = run;
        Attempt = attempt;
        Slot = slot;
        Previous = previous;
        Record = new AttemptLog(attempt, run.Baseline);
        Failures = new CommandFailure(MachinePaths(run, slot));
    }

    public RunContext Run { get; }
    public int Attempt { get; }
    public AttemptSlot Slot { get; }
    public string Worktree => Slot.Worktree;

    /// <summary>Why the previous attempt failed (its brief goes into this attempt's prompt), or null for the first.</summary>
    public FailureBrief? Previous { get; }

    /// <summary>The folder of this attempt's artifacts, relative to the run folder.</summary>
    public string Directory => Role switch { AttemptRole.TestAuthor => $"test_author_{Attempt}", AttemptRole.Baseline => "baseline", _ => $"attempt_{Attempt}" };
    public AttemptLog Record { get; }

    /// <summary>Reads failed commands' output deterministically (machine paths become tokens).</summary>
    public CommandFailure Failures { get; }

    public WorkOrder WorkOrder => Run.WorkOrder;
    public FactoryOptions Options => Run.Options;

    /// <summary>SHA-256 of the model's answer text, when there was one (two equal answers failing alike end the run).</summary>
    public string? AnswerHash { get; set; }
    public LlmResponse? Response { get; set; }
    public WriteProposal? Proposal { get; set; }

    /// <summary>The gated files as stored blobs: the commit is built from these alone.</summary>
    public IReadOnlyList<(string Path, string ObjectId)> Blobs { get; set; } = [];

    /// <summary>The gated blobs as tree entries, each keeping its baseline file mode (an executable stays executable).</summary>
    public List<Git.TreeEntry> GatedEntries() =>
        [.. Blobs.Select(b => new Git.TreeEntry(Run.BaselineTree.TryGetValue(b.Path, out var old) && old.Mode is "100755" or "100644" ? old.Mode : "100644", b.ObjectId, b.Path))];

    /// <summary>Whose attempt this is: the executor's (the implementation), or the test author's (the tests written first).</summary>
    public AttemptRole Role { get; init; } = AttemptRole.Executor;

    /// <summary>The model role this attempt's call uses (executor or escalation; test_author for the tests written first).</summary>
    public Configuration.Roles.ResolvedRole? ModelRole { get; init; }

    /// <summary>The attempts the log line counts against: the whole ladder's for the executor, the role's own for the test author.</summary>
    public int AttemptsOfRole { get; init; } = 1;

    /// <summary>The files this attempt's proposal may write: the work order's tests for the test author, its allowed files otherwise.</summary>
    public IReadOnlyList<string> Scope => Role == AttemptRole.TestAuthor ? WorkOrder.TestFiles : WorkOrder.AllowedFiles;

    /// <summary>The tests the acceptance commands ran (from TRX), when the work order has tests written first.</summary>
    public List<TestsFirst.TestOutcome> TestResults { get; } = [];

    /// <summary>The red run's verdict (test author attempts).</summary>
    public TestsFirst.RedVerdict? Red { get; set; }

    /// <summary>The passing commit, once the commit stage made it.</summary>
    public (string Id, IReadOnlyList<string> Changed)? Commit { get; set; }

    /// <summary>Runs commands in this attempt's worktree, sandboxed or guarded (created on first use).</summary>
    public AttemptCommands Commands => _commands ??= new AttemptCommands(Run.Session, Slot, Run.Session.Redactor);

    /// <summary>Folders whose absolute path differs per machine and checkout, and the stable token each becomes in briefs.</summary>
    private static IEnumerable<(string, string)> MachinePaths(RunContext run, AttemptSlot slot)
    {
        yield return (slot.Worktree, "");
        yield return (IO.PhysicalPath.Resolve(slot.Worktree), "");
        yield return (slot.ScratchTmp, "$TMPDIR");
        yield return (slot.ScratchHome, "$HOME");
        yield return (run.Session.Layout.SandboxPackagesDirectory, "$NUGET_PACKAGES");
        yield return (run.Session.Root, "$CHECKOUT");
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages) yield return (packages, "$NUGET_FALLBACK_PACKAGES");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 1) yield return (home, "~");
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && Path.GetDirectoryName(host) is { Length: > 1 } dotnetRoot) yield return (dotnetRoot, "$DOTNET_ROOT");
    }
}

/// <summary>The two roles whose answers go through an attempt.</summary>
internal enum AttemptRole
{
    Executor,
    TestAuthor,

    /// <summary>No answer: the global verification at the baseline, before any work order's change.</summary>
    Baseline,
}
