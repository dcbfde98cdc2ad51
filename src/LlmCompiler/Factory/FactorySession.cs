using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Isolation;
using LlmCompiler.Factory.Parallel;
using LlmCompiler.Git;
using LlmCompiler.IO;
using LlmCompiler.Llm;
using LlmCompiler.Processes;
using LlmCompiler.Secrets;

namespace LlmCompiler.Factory;

/// <summary>
/// A repository prepared for factory runs: a git work tree on a branch, with at least one commit, locked
/// against other runs, cleaned of whatever a crashed run left behind, and clean; the containment of its commands
/// chosen (a sandbox, or a warned-about guard). Work orders run one after another through
/// <see cref="RunWorkOrderAsync"/>, each in an attempt worktree at the current HEAD outside the checkout; only a PASS
/// touches the user's checkout, by fast-forwarding the branch to a commit built from the gated writes alone.
/// </summary>
public sealed class FactorySession : IDisposable
{
    private readonly GitCli _git;
    private RepositoryLock? _lock;
    private readonly TextWriter _log;

    private FactorySession(RepositoryLayout layout, string branch, GitCli git, RepositoryLock? repoLock, FactoryOptions options, TextWriter log,
        CommandContainment containment, IReadOnlyList<Diagnostic> warnings)
    {
        Layout = layout;
        Branch = branch;
        _git = git;
        _lock = repoLock;
        Options = options;
        _log = log;
        Containment = containment;
        Warnings = warnings;
        Redactor = SecretRedactor.FromEnvironment(options.KeyVariables);
        // The nodes of a fanned-out run are separate processes: they count against one budget in a file.
        Health = new Health.RunHealth(options.Health, options.JoinRun && options.RunId is { } run ? RepositoryLayout.SharedHealthFileOf(layout.Root, run) : null);
    }

    public string Root => Layout.Root;
    public string CommonDir => Layout.CommonDir;
    public string Branch { get; }
    public FactoryOptions Options { get; }
    public GitCli Git => _git;
    public RepositoryLayout Layout { get; }

    /// <summary>Warnings of the session (W217 when commands run without a sandbox); front-ends print them.</summary>
    public IReadOnlyList<Diagnostic> Warnings { get; }

    /// <summary>The run's health budget: every attempt and model call of the session's work orders asks it first.</summary>
    public Health.RunHealth Health { get; }

    /// <summary>Whether verify and acceptance commands run in a sandbox.</summary>
    public bool Sandboxed => Containment.Sandboxed;

    internal CommandContainment Containment { get; }

    /// <summary>Masks the API key, secret-named variables' values and key shapes in everything the run writes or sends.</summary>
    internal SecretRedactor Redactor { get; }

    internal string ActiveDir => Layout.ActiveRunsDirectory;

    /// <summary>
    /// Returns the attempt worktree at exactly <paramref name="baseline"/>, with empty scratch folders. The worktree is
    /// reused between attempts and runs: resetting it (forced checkout + clean -ffdx, verified by an empty status that
    /// includes ignored files) costs tens of milliseconds where a fresh checkout of a large tree costs seconds. It lives
    /// in the tool's cache folder, never in the user's checkout, and is re-created whenever the reset cannot prove it clean.
    /// </summary>
    internal async Task<AttemptSlot> PrepareAttemptSlotAsync(string baseline, CancellationToken ct, string slot = RepositoryLayout.AttemptSlot)
    {
        var path = Layout.Slot(slot);
        var gitDir = Directory.Exists(path) ? AttemptSlot.ReadGitDir(path) : null;
        var ours = gitDir is not null && PhysicalPath.IsInside(gitDir, Path.Combine(CommonDir, "worktrees"));
        if (ours && await _git.ResetOwnWorktreeAsync(path, baseline, ct).ConfigureAwait(false))
        {
            return NewSlot(slot, path, gitDir!);
        }
        // git worktree add/prune/remove read every worktree's admin folder: two at once (parallel slots, MSBuild nodes)
        // fail with "failed to read .git/worktrees/<other>/commondir".
        SafeFile.CreateDirectoryBelow(CommonDir, Layout.StateDirectory);
        using (await FileMutex.AcquireAsync(Layout.WorktreeAdminLock, ct).ConfigureAwait(false))
        {
            await DiscardAttemptWorktreeAsync(path).ConfigureAwait(false);
            CreatePrivateDirectory(Layout.WorktreesDirectory);
            await _git.WorktreePruneAsync(Root, ct).ConfigureAwait(false);
            await _git.WorktreeAddAsync(Root, path, baseline, ct).ConfigureAwait(false);
        }
        gitDir = AttemptSlot.ReadGitDir(path) ?? throw new IOException($"git worktree add left no .git file in '{path}'");
        return NewSlot(slot, path, gitDir);
    }

    private AttemptSlot NewSlot(string name, string path, string gitDir)
    {
        var slot = new AttemptSlot(name, path, gitDir, Layout.ScratchDirectory(name));
        CreatePrivateDirectory(Path.GetDirectoryName(slot.Scratch)!);
        slot.ResetScratch();
        return slot;
    }

    /// <summary>Creates a folder of the tool's cache readable by the user only, so nobody else can plant links in it.</summary>
    internal static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    internal async Task DiscardAttemptWorktreeAsync(string path)
    {
        try { await _git.WorktreeRemoveAsync(Root, path, CancellationToken.None).ConfigureAwait(false); }
        catch (GitException) { }
        FactoryRecovery.DeleteDirectory(path);
        try { await _git.WorktreePruneAsync(Root, CancellationToken.None).ConfigureAwait(false); } catch (GitException) { }
    }

    /// <summary>
    /// Preflight of the repository (E200 not usable, E217 no sandbox where one is required, E202 lock held, E201
    /// dirty). Nothing in the user's checkout changes here, apart from one <c>/.llmc/</c> line in <c>.git/info/exclude</c>.
    /// </summary>
    public static async Task<(FactorySession? Session, IReadOnlyList<Diagnostic> Diagnostics)> OpenAsync(
        string repo, FactoryOptions options, TextWriter log, CancellationToken ct)
    {
        var fullRepo = Path.GetFullPath(repo);
        var git = NewGit(options, [fullRepo]);
        if (!Directory.Exists(fullRepo)) return (null, [Error(DiagnosticCodes.RepositoryNotUsable, $"repository directory '{fullRepo}' does not exist")]);
        if (!await git.IsWorkTreeAsync(fullRepo, ct).ConfigureAwait(false))
        {
            var probe = await git.TryRunAsync(fullRepo, ["rev-parse", "--is-inside-work-tree"], ct).ConfigureAwait(false);
            return (null, [Error(DiagnosticCodes.RepositoryNotUsable, probe.LaunchError ?? $"'{fullRepo}' is not inside a git work tree")]);
        }
        var root = await git.TopLevelAsync(fullRepo, ct).ConfigureAwait(false);
        git = NewGit(options, [fullRepo, root]);
        if (await git.HeadCommitAsync(root, ct).ConfigureAwait(false) is null) return (null, [Error(DiagnosticCodes.RepositoryNotUsable, "the repository has no commits yet; commit something first (the factory needs a baseline)")]);
        var branch = await git.CurrentBranchAsync(root, ct).ConfigureAwait(false);
        if (branch is null) return (null, [Error(DiagnosticCodes.RepositoryNotUsable, "HEAD is detached; check out a branch first (the factory never lands on a detached HEAD)")]);
        var commonDir = await git.CommonDirAsync(root, ct).ConfigureAwait(false);
        var layout = new RepositoryLayout(root, commonDir);

        if (await CheckToolStateAsync(git, layout, ct).ConfigureAwait(false) is { } stateError) return (null, [stateError]);
        if (await StaleIndexLockAsync(git, root, ct).ConfigureAwait(false) is { } lockFile)
        {
            return (null, [Error(DiagnosticCodes.RepositoryNotUsable, $"'{lockFile}' exists: another git process is running in this repository, or one crashed. If no git is running, remove the file; llmc never deletes it.")]);
        }

        var (containment, sandboxError, sandboxWarning) = CommandContainment.Choose(options.Sandbox);
        if (containment is null) return (null, [sandboxError!]);
        if (!containment.Sandboxed)
        {
            // Same-user children can then no longer read the API key from /proc/<pid>/environ (docs/security.md).
            UnixProcess.MakeNonDumpable();
        }

        try
        {
            GitExclude.AddLine(Path.Combine(commonDir, "info", "exclude"), GitExclude.ArtifactsPattern);
            SafeFile.CreateDirectoryBelow(commonDir, layout.StateDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, [Error(DiagnosticCodes.RepositoryNotUsable, $"cannot prepare the tool's state in the git dir: {ex.Message}")]);
        }
        RepositoryLock? repoLock = null;
        if (options.JoinRun)
        {
            if (options.RunId is not { } joined) return (null, [Error(DiagnosticCodes.RepositoryNotUsable, "a node of a fanned-out run needs the run's id")]);
            if (RepositoryLock.VerifyHeldBy(layout.LockFile, joined) is { } notOurs) return (null, [notOurs]);
        }
        else
        {
            (repoLock, var lockError) = RepositoryLock.TryAcquire(layout.LockFile, options.RunId ?? "session-" + Environment.ProcessId);
            if (repoLock is null) return (null, [lockError!]);
        }

        var warnings = sandboxWarning is null ? Array.Empty<Diagnostic>() : [sandboxWarning];
        var session = new FactorySession(layout, branch, git, repoLock, options, log, containment, warnings);
        try
        {
            foreach (var warning in warnings) log.WriteLine(warning.ToCanonicalString());
            if (repoLock?.TakenOverFrom is { } dead) log.WriteLine($"llmc: took over the repository lock from a dead run ({dead})");
            // A node's siblings are alive and their worktrees in use: the coordinator recovered before any node started.
            if (!options.JoinRun) await new FactoryRecovery(session, log).RecoverAsync(ct).ConfigureAwait(false);
            if (await session.DirtyErrorAsync(ct).ConfigureAwait(false) is { } dirty)
            {
                session.Dispose();
                return (null, [dirty]);
            }
            return (session, warnings);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static GitCli NewGit(FactoryOptions options, string[] untrustedRoots)
    {
        var environment = options.KeyVariables.Aggregate(ChildEnvironment.Default(), (env, name) => env.WithoutSecretVariable(name));
        var git = new GitCli(environment) { UntrustedRoots = untrustedRoots };
        return options.GitExecutable is { } executable ? new GitCli(environment) { UntrustedRoots = untrustedRoots, Executable = executable } : git;
    }

    /// <summary>
    /// The tool's own folder must be a real, untracked directory: a committed <c>.llmc</c> (or a link inside it) would
    /// redirect every artifact and ledger line wherever the repository's author wanted.
    /// </summary>
    private static async Task<Diagnostic?> CheckToolStateAsync(GitCli git, RepositoryLayout layout, CancellationToken ct)
    {
        try
        {
            SafeFile.EnsureNoLinksBelow(layout.Root, layout.FactoryRunsDirectory, FileKind.Directory);
            SafeFile.EnsureNoLinksBelow(layout.Root, layout.LedgerPath);
        }
        catch (ToolStateException ex)
        {
            return Error(DiagnosticCodes.RepositoryNotUsable, $"{ex.Message}. Remove it (llmc re-creates the folder).");
        }
        var tracked = await git.TryRunAsync(layout.Root, ["ls-files", "-z", "--", RepositoryLayout.ToolDirectoryName], ct).ConfigureAwait(false);
        if (tracked.Succeeded && tracked.Stdout is { Length: > 0 })
        {
            return Error(DiagnosticCodes.RepositoryNotUsable, $"the repository tracks files under '{RepositoryLayout.ToolDirectoryName}/' ({System.Text.Encoding.UTF8.GetString(tracked.Stdout).Split('\0')[0]}, …); that folder is llmc's own state. Remove it from git (git rm -r --cached {RepositoryLayout.ToolDirectoryName}) and commit.");
        }
        return null;
    }

    /// <summary>The index lock of the checkout's git dir when one exists (found now, not at landing).</summary>
    private static async Task<string?> StaleIndexLockAsync(GitCli git, string root, CancellationToken ct)
    {
        var gitDir = await git.TryRunAsync(root, ["rev-parse", "--absolute-git-dir"], ct).ConfigureAwait(false);
        if (!gitDir.Succeeded || gitDir.Stdout is null) return null;
        var path = Path.Combine(System.Text.Encoding.UTF8.GetString(gitDir.Stdout).Trim(), "index.lock");
        return FileKinds.Of(path) == FileKind.Missing ? null : path;
    }

    /// <summary>
    /// E201 when tracked files have uncommitted changes (the attempt would run against HEAD, not what you see), or
    /// when untracked files sit where <paramref name="workOrder"/> writes (landing would have to overwrite them).
    /// Other untracked files — notes, recorded cassettes — are yours and stay where they are.
    /// </summary>
    internal async Task<Diagnostic?> DirtyErrorAsync(CancellationToken ct, WorkOrder? workOrder = null)
    {
        var status = await _git.StatusAsync(Root, ct).ConfigureAwait(false);
        var tracked = status.Where(e => !e.IsUntracked).ToList();
        if (tracked.Count > 0)
        {
            return Error(DiagnosticCodes.DirtyTree, $"tracked files have uncommitted changes ({Sample(tracked)}); commit or stash them first (the work order would run against HEAD)", workOrder?.Id);
        }
        if (workOrder is null) return null;
        var scope = workOrder.AllowedFiles.Select(a => RepoPath.NormalizeOrNull(a) ?? a).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var inTheWay = status.Where(e => e.IsUntracked && scope.Contains(e.Path)).ToList();
        return inTheWay.Count == 0 ? null
            : Error(DiagnosticCodes.DirtyTree, $"untracked files sit where {workOrder.Id} writes ({Sample(inTheWay)}); commit, move or delete them first", workOrder.Id);
    }

    private static string Sample(IReadOnlyList<GitStatusEntry> entries) =>
        string.Join(", ", entries.Take(10).Select(e => $"{e.Code.Trim()} {e.Path}")) + (entries.Count > 10 ? $", … ({entries.Count} in all)" : "");

    /// <summary>The verify-exempt policy of the original's §4.10.</summary>
    public static Diagnostic? VerifyExemptRefusal(WorkOrder wo, bool allowVerifyExempt)
    {
        if (!wo.VerifyExempt || allowVerifyExempt) return null;
        if (wo.Provenance is { Bootstrap: true, PlannerRunId.Length: > 0 }) return null;
        return DiagnosticCatalog.Create(DiagnosticCodes.VerifyExemptRefused,
            $"{wo.Id} has verify_exempt=true; pass --allow-verify-exempt to run it without global verification (only planner bootstrap work orders are honoured automatically)", wo.Id, "verify_exempt");
    }

    /// <summary>Runs one work order to a verdict. Never throws except for nothing: cancellation is exit 130, a bug is exit 2.</summary>
    /// <param name="planDirectory">The folder the work order was read from; no proposal may write inside it.</param>
    public async Task<RunOutcome> RunWorkOrderAsync(WorkOrder wo, VerifyContract? verifyContract, ILlmClient llm, CancellationToken ct, string? planDirectory = null)
    {
        if (await RefusalAsync(wo, ct).ConfigureAwait(false) is { } refused) return refused;
        var head = await _git.HeadCommitAsync(Root, ct).ConfigureAwait(false);
        var branch = await _git.CurrentBranchAsync(Root, ct).ConfigureAwait(false);
        if (head is null || branch != Branch)
        {
            return RunOutcome.Refused(wo.Id, [Error(DiagnosticCodes.RepositoryNotUsable, $"the checkout moved to '{branch ?? "a detached HEAD"}' during the run; expected branch '{Branch}'")]);
        }
        var run = new WorkOrderRun(this, wo, verifyContract, llm, head, _log, ProtectedDirectories(planDirectory));
        return await run.ExecuteAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Why <paramref name="wo"/> may not run at all (verify-exempt policy E203, a dirty checkout where it writes E201), or null.</summary>
    internal async Task<RunOutcome?> RefusalAsync(WorkOrder wo, CancellationToken ct)
    {
        if (VerifyExemptRefusal(wo, Options.AllowVerifyExempt) is { } refusal) return RunOutcome.Refused(wo.Id, [refusal]);
        return await DirtyErrorAsync(ct, wo).ConfigureAwait(false) is { } dirty ? RunOutcome.Refused(wo.Id, [dirty]) : null;
    }

    /// <summary>
    /// Runs <paramref name="wo"/> from <paramref name="baseline"/> as <paramref name="placement"/> says (a slot of a
    /// parallel run, kept rather than landed, or the merge queue's own stages). The caller has checked the checkout.
    /// </summary>
    internal Task<RunOutcome> RunPlacedAsync(WorkOrder wo, VerifyContract? verifyContract, ILlmClient llm, string baseline, WorkOrderPlacement placement,
        string? planDirectory, TextWriter log, CancellationToken ct) =>
        new WorkOrderRun(this, wo, verifyContract, llm, baseline, log, ProtectedDirectories(planDirectory), placement).ExecuteAsync(ct);

    /// <summary>
    /// The plan folder and the cassette folder, repository-relative, when they lie in the repository: the contract
    /// (work orders, their acceptance commands) and the recorded answers must come from files no proposal can write.
    /// </summary>
    private IReadOnlyList<(string Directory, string Reason)> ProtectedDirectories(string? planDirectory)
    {
        var result = new List<(string, string)>();
        void Add(string? directory, string reason)
        {
            if (directory is null) return;
            var full = Path.GetFullPath(directory);
            if (!PhysicalPath.IsInside(full, Root) || PhysicalPath.IsInside(Root, full)) return;
            result.Add((Path.GetRelativePath(Root, full).Replace('\\', '/'), reason));
        }
        Add(planDirectory, "the plan folder holds the work orders and their acceptance commands; a work order never rewrites its own contract");
        Add(Options.CassettesDirectory, "the cassette folder holds the recorded model answers that replays trust");
        return result;
    }

    internal static string NewRunId() =>
        $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";

    internal static Diagnostic Error(string code, string message, string? woId = null) => DiagnosticCatalog.Create(code, message, woId);

    /// <summary>
    /// Hands the repository lock to the caller, who keeps it after this session is disposed: the coordinator of a
    /// fanned-out run holds it while its nodes (other sessions, other processes) run and until the landing is done.
    /// </summary>
    internal RepositoryLock DetachLock()
    {
        var held = _lock ?? throw new InvalidOperationException("this session does not hold the repository lock");
        _lock = null;
        return held;
    }

    public void Dispose() => _lock?.Dispose();
}
