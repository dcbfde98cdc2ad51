using System.Diagnostics;
using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Git;
using LlmCompiler.IO;
using LlmCompiler.Llm;
using LlmCompiler.Processes;

namespace LlmCompiler.Factory;

/// <summary>
/// A repository prepared for factory runs: a git work tree on a branch, with at least one commit, locked
/// against other runs, cleaned of whatever a crashed run left behind, and clean. Work orders run one after
/// another through <see cref="RunWorkOrderAsync"/>, each in throw-away worktrees at the current HEAD; only a
/// PASS touches the user's checkout, by fast-forwarding the branch.
/// </summary>
public sealed class FactorySession : IDisposable
{
    public const string ArtifactRoot = ".llmc/runs/factory";

    private readonly GitCli _git;
    private readonly RepositoryLock _lock;
    private readonly TextWriter _log;

    private FactorySession(string root, string commonDir, string branch, GitCli git, RepositoryLock repoLock, FactoryOptions options, TextWriter log)
    {
        Root = root;
        CommonDir = commonDir;
        Branch = branch;
        _git = git;
        _lock = repoLock;
        Options = options;
        _log = log;
    }

    public string Root { get; }
    public string CommonDir { get; }
    public string Branch { get; }
    public FactoryOptions Options { get; }
    public GitCli Git => _git;

    internal string StateDir => Path.Combine(CommonDir, "llmc");
    internal string WorktreesDir => Path.Combine(StateDir, "worktrees");
    internal string ActiveDir => Path.Combine(StateDir, "active");

    /// <summary>The repository's one attempt worktree (runs are serialised by the lock, so one is enough).</summary>
    internal string AttemptWorktree => Path.Combine(WorktreesDir, "attempt");

    /// <summary>
    /// Returns the attempt worktree at exactly <paramref name="baseline"/>. The worktree is reused between attempts
    /// and runs: resetting it (forced checkout + clean -ffdx, verified by an empty status that includes ignored
    /// files) costs tens of milliseconds where a fresh checkout of a large tree costs seconds. It lives in the git
    /// dir, never in the user's checkout, and is re-created whenever the reset cannot prove it clean.
    /// </summary>
    internal async Task<string> PrepareAttemptWorktreeAsync(string baseline, CancellationToken ct)
    {
        var path = AttemptWorktree;
        if (Directory.Exists(path))
        {
            if (await _git.ResetOwnWorktreeAsync(path, baseline, ct).ConfigureAwait(false)) return path;
            await DiscardAttemptWorktreeAsync().ConfigureAwait(false);
        }
        Directory.CreateDirectory(WorktreesDir);
        await _git.WorktreePruneAsync(Root, ct).ConfigureAwait(false);
        await _git.WorktreeAddAsync(Root, path, baseline, ct).ConfigureAwait(false);
        return path;
    }

    internal async Task DiscardAttemptWorktreeAsync()
    {
        try { await _git.WorktreeRemoveAsync(Root, AttemptWorktree, CancellationToken.None).ConfigureAwait(false); }
        catch (GitException) { }
        FactoryRecovery.DeleteDirectory(AttemptWorktree);
        try { await _git.WorktreePruneAsync(Root, CancellationToken.None).ConfigureAwait(false); } catch (GitException) { }
    }

    /// <summary>
    /// Preflight of the repository (E200 not usable, E202 lock held, E201 dirty). Nothing in the user's checkout
    /// changes here, apart from one <c>/.llmc/</c> line in <c>.git/info/exclude</c>.
    /// </summary>
    public static async Task<(FactorySession? Session, IReadOnlyList<Diagnostic> Diagnostics)> OpenAsync(
        string repo, FactoryOptions options, TextWriter log, CancellationToken ct)
    {
        var git = new GitCli(ChildEnvironment.Default(options.ApiKeyVariable));
        var fullRepo = Path.GetFullPath(repo);
        if (!Directory.Exists(fullRepo)) return (null, [Error("E200", $"repository directory '{fullRepo}' does not exist")]);
        if (!await git.IsWorkTreeAsync(fullRepo, ct).ConfigureAwait(false)) return (null, [Error("E200", $"'{fullRepo}' is not inside a git work tree")]);
        var root = await git.TopLevelAsync(fullRepo, ct).ConfigureAwait(false);
        if (await git.HeadCommitAsync(root, ct).ConfigureAwait(false) is null) return (null, [Error("E200", "the repository has no commits yet; commit something first (the factory needs a baseline)")]);
        var branch = await git.CurrentBranchAsync(root, ct).ConfigureAwait(false);
        if (branch is null) return (null, [Error("E200", "HEAD is detached; check out a branch first (the factory never lands on a detached HEAD)")]);
        var commonDir = await git.CommonDirAsync(root, ct).ConfigureAwait(false);

        EnsureExcluded(commonDir);
        Directory.CreateDirectory(Path.Combine(commonDir, "llmc"));
        var (repoLock, lockError) = RepositoryLock.TryAcquire(Path.Combine(commonDir, "llmc", "repo.lock"), "session-" + Environment.ProcessId);
        if (repoLock is null) return (null, [lockError!]);

        var session = new FactorySession(root, commonDir, branch, git, repoLock, options, log);
        try
        {
            if (repoLock.TakenOverFrom is { } dead) log.WriteLine($"llmc: took over the repository lock from a dead run ({dead})");
            await new FactoryRecovery(session, log).RecoverAsync(ct).ConfigureAwait(false);
            if (await session.DirtyErrorAsync(ct).ConfigureAwait(false) is { } dirty)
            {
                session.Dispose();
                return (null, [dirty]);
            }
            return (session, []);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    internal async Task<Diagnostic?> DirtyErrorAsync(CancellationToken ct)
    {
        var status = await _git.StatusAsync(Root, ct).ConfigureAwait(false);
        if (status.Count == 0) return null;
        var sample = string.Join(", ", status.Take(10).Select(e => $"{e.Code.Trim()} {e.Path}")) + (status.Count > 10 ? $", … ({status.Count} in all)" : "");
        return Error("E201", $"the working tree has uncommitted changes or untracked files ({sample}); commit, stash or ignore them first");
    }

    /// <summary>The verify-exempt policy of the original's §4.10.</summary>
    public static Diagnostic? VerifyExemptRefusal(WorkOrder wo, bool allowVerifyExempt)
    {
        if (!wo.VerifyExempt || allowVerifyExempt) return null;
        if (wo.Provenance is { Bootstrap: true, PlannerRunId.Length: > 0 }) return null;
        return DiagnosticCatalog.Create("E203",
            $"{wo.Id} has verify_exempt=true; pass --allow-verify-exempt to run it without global verification (only planner bootstrap work orders are honoured automatically)", wo.Id, "verify_exempt");
    }

    /// <summary>Runs one work order to a verdict. Never throws except for nothing: cancellation is exit 130, a bug is exit 2.</summary>
    public async Task<RunOutcome> RunWorkOrderAsync(WorkOrder wo, VerifyContract? verifyContract, ILlmClient llm, CancellationToken ct)
    {
        if (VerifyExemptRefusal(wo, Options.AllowVerifyExempt) is { } refusal) return RunOutcome.Refused(wo.Id, [refusal]);
        if (await DirtyErrorAsync(ct).ConfigureAwait(false) is { } dirty) return RunOutcome.Refused(wo.Id, [dirty]);
        var head = await _git.HeadCommitAsync(Root, ct).ConfigureAwait(false);
        var branch = await _git.CurrentBranchAsync(Root, ct).ConfigureAwait(false);
        if (head is null || branch != Branch)
        {
            return RunOutcome.Refused(wo.Id, [Error("E200", $"the checkout moved to '{branch ?? "a detached HEAD"}' during the run; expected branch '{Branch}'")]);
        }
        var run = new WorkOrderRun(this, wo, verifyContract, llm, head, _log);
        return await run.ExecuteAsync(ct).ConfigureAwait(false);
    }

    internal static string NewRunId() =>
        $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";

    private static void EnsureExcluded(string commonDir) =>
        GitExclude.AddLine(Path.Combine(commonDir, "info", "exclude"), GitExclude.ArtifactsPattern);

    internal static Diagnostic Error(string code, string message, string? woId = null) => DiagnosticCatalog.Create(code, message, woId);

    public void Dispose() => _lock.Dispose();
}
