using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Git;

namespace LlmCompiler.Validation;

/// <summary>
/// The repository files a plan is validated against: the state the plan started from. Before anything has
/// landed that is the working tree; once the factory has landed work orders of this plan it is the tree just
/// before the first of them, so that their own <c>file_absent</c> preconditions do not turn into E101 on the
/// next check.
/// </summary>
/// <param name="RepoRoot">The repository (git top level, or the directory walked); null when there is none.</param>
/// <param name="Files">Repository-relative paths with '/'.</param>
/// <param name="Description">Where the files came from, for logs.</param>
public sealed record PlanBaseline(string? RepoRoot, IReadOnlySet<string> Files, string Description)
{
    /// <summary>Read-only queries: a minute is far more than any listing needs, and a build must never hang on git.</summary>
    internal static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The trailer naming the planner run a landed work order came from (its provenance).</summary>
    public const string PlanTrailer = "Llmc-Plan";

    private const char UnitSeparator = '\u001f';
    private const char RecordSeparator = '\u001e';

    /// <summary>
    /// Work orders of this plan that landed in an earlier version (same id and planner run, different content): id →
    /// landing commit. They count as landed for the baseline, and validation warns (W104) instead of failing.
    /// </summary>
    public IReadOnlyDictionary<string, string> EditedAfterLanding { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public static PlanBaseline None(string description) => new(null, new HashSet<string>(StringComparer.Ordinal), description);

    /// <summary>
    /// Resolves the baseline of <paramref name="plan"/>. Returns an error message when
    /// <paramref name="explicitRepoRoot"/> is set but is not usable; a missing repository is otherwise not an
    /// error (the listing is empty). An explicit root outside git is walked like <see cref="RepoListing"/> does.
    /// </summary>
    /// <param name="explicitRepoRoot">The repository the caller named, or null/empty to look above <paramref name="startDirectory"/>.</param>
    public static Task<(PlanBaseline Baseline, string? Error)> ResolveAsync(
        string? explicitRepoRoot, string startDirectory, IReadOnlyList<WorkOrder> plan, CancellationToken ct = default) =>
        ResolveAsync(explicitRepoRoot, startDirectory, PlanIdentity.Of(plan), ct);

    /// <param name="planIds">The plan's work-order ids (fallback for commits without a hash trailer).</param>
    /// <param name="planHashes">The factory's canonical hashes (<see cref="WorkOrderIdentity.Sha256"/>) of the plan's work orders.</param>
    public static Task<(PlanBaseline Baseline, string? Error)> ResolveAsync(
        string? explicitRepoRoot, string startDirectory, IReadOnlyCollection<string> planIds, IReadOnlyCollection<string> planHashes, CancellationToken ct = default) =>
        ResolveAsync(explicitRepoRoot, startDirectory, new PlanIdentity(planIds.ToHashSet(StringComparer.Ordinal), planHashes.ToHashSet(StringComparer.OrdinalIgnoreCase), new Dictionary<string, string>()), ct);

    public static async Task<(PlanBaseline Baseline, string? Error)> ResolveAsync(
        string? explicitRepoRoot, string startDirectory, PlanIdentity plan, CancellationToken ct = default)
    {
        var git = QueryGit();
        var wholeRepository = string.IsNullOrWhiteSpace(explicitRepoRoot);
        var probeDirectory = wholeRepository ? startDirectory : explicitRepoRoot!;
        if (!Directory.Exists(probeDirectory))
        {
            return (None("no repository"), $"repository root '{probeDirectory}' does not exist");
        }
        // The top level, the listing and the history search need none of each other's output, so the three git
        // processes run at once (the edit-build loop re-runs this on every edit). The listing and the history are asked
        // of the folder the plan is judged from; what does not apply once the top level is known is dropped. The history
        // of a named root is searched at once only when it looks like a top level (the usual case): a subfolder of a
        // work tree is judged by its files alone.
        var locate = RepositoryLocator.FindAsync(explicitRepoRoot, startDirectory, ct);
        var listing = RepoListing.ListAsync(git, probeDirectory, wholeRepository, ct);
        var history = wholeRepository || HasGitEntry(probeDirectory) ? FindLandedAsync(git, probeDirectory, plan, ct) : null;
        await Task.WhenAll(history is null ? [locate, listing] : [locate, listing, history]).ConfigureAwait(false);
        var (root, notGit) = await locate.ConfigureAwait(false);
        var listed = await listing.ConfigureAwait(false);
        if (root is null)
        {
            return wholeRepository
                ? (None($"no git repository above '{startDirectory}' ({notGit}); repository-dependent checks use an empty file listing"), null)
                : (new PlanBaseline(Path.GetFullPath(explicitRepoRoot!), RepoListing.FromGit(listed, explicitRepoRoot!) ?? RepoListing.WalkDirectory(explicitRepoRoot!),
                    $"directory {explicitRepoRoot} (not a git repository)"), null);
        }

        if (!wholeRepository && !SameDirectory(explicitRepoRoot!, root))
        {
            // A folder inside a larger work tree, named on purpose: its files, relative to it (a plan for a product kept
            // in a subfolder, such as the samples of this repository).
            var folder = Path.GetFullPath(explicitRepoRoot!);
            return (new PlanBaseline(folder, RepoListing.FromGit(listed, folder) ?? RepoListing.WalkDirectory(folder), $"folder {folder} of the git work tree {root}"), null);
        }
        var landed = history is not null
            ? await history.ConfigureAwait(false)
            : await FindLandedAsync(git, root, plan, ct).ConfigureAwait(false);
        if (landed.First is null)
        {
            return (new PlanBaseline(root, RepoListing.FromGit(listed, root) ?? RepoListing.WalkDirectory(root), $"working tree of {root}"), null);
        }

        var (commit, parent) = landed.First.Value;
        if (parent is null) return (new PlanBaseline(root, ToSet([]), $"empty tree before {Short(commit)}") { EditedAfterLanding = landed.Edited }, null);
        var tree = await git.TryRunAsync(root, ["ls-tree", "-r", "-z", "--name-only", parent], ct).ConfigureAwait(false);
        if (!tree.Succeeded || tree.Stdout is null || tree.StdoutOverflowed)
        {
            return (None("no repository"), $"git ls-tree {Short(parent)} failed in '{root}': {Why(tree)}");
        }
        return (new PlanBaseline(root, ToSet(SplitNul(Encoding.UTF8.GetString(tree.Stdout))),
            $"tree of {Short(parent)}, before the first landed work order ({Short(commit)})") { EditedAfterLanding = landed.Edited }, null);
    }

    /// <summary>
    /// The oldest landed commit of this plan, walking the history from HEAD backwards. A commit belongs to the plan
    /// when its <c>Work-Order-Sha256:</c> trailer is one of the plan's hashes; or when its work-order id and its
    /// <c>Llmc-Plan:</c> trailer make it an earlier version of one of the plan's work orders
    /// (<see cref="PlanIdentity.IsEarlierVersion"/>); or,
    /// without a hash trailer, when its id is one of the plan's (commits of older versions). The walk stops at the
    /// first id seen twice, which marks an earlier plan.
    /// </summary>
    /// <param name="directory">The top level or any folder of the work tree.</param>
    internal static async Task<(( string Commit, string? Parent)? First, IReadOnlyDictionary<string, string> Edited)> FindLandedAsync(
        GitCli git, string directory, PlanIdentity plan, CancellationToken ct)
    {
        var edited = new Dictionary<string, string>(StringComparer.Ordinal);
        if (plan.Ids.Count == 0 && plan.Hashes.Count == 0) return (null, edited);
        // One record per commit (after a record separator): the fields, then with --name-only the paths it changed.
        // Paths from the top level even when run from a subfolder, whatever the user's diff.relative says.
        var log = await git.TryRunAsync(directory,
            ["-c", "diff.relative=false", "log", "-z", "--name-only", "--no-renames", "--grep=^Work-Order", $"--format={RecordSeparator}%H{UnitSeparator}%P{UnitSeparator}%(trailers:key=Work-Order,valueonly,separator=%x2C){UnitSeparator}%(trailers:key=Work-Order-Sha256,valueonly,separator=%x2C){UnitSeparator}%(trailers:key={PlanTrailer},valueonly,separator=%x2C)", "HEAD", "--"],
            ct).ConfigureAwait(false);
        if (!log.Succeeded || log.Stdout is null) return (null, edited); // No commits yet.

        var commits = Encoding.UTF8.GetString(log.Stdout).Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(record => record.Split('\0').Select(part => part.Trim('\n')).Where(part => part.Length > 0).ToList())
            .Where(parts => parts.Count > 0 && parts[0].Split(UnitSeparator).Length >= 5)
            .Select(parts =>
            {
                var fields = parts[0].Split(UnitSeparator);
                return new LandedCommit(fields[0], fields[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(),
                    Values(fields[2]), Values(fields[3]), Values(fields[4]), parts.Skip(1).ToList());
            })
            .ToList();

        var seen = new HashSet<string>(StringComparer.Ordinal);
        (string, string?)? oldest = null;
        foreach (var commit in commits)
        {
            var ids = commit.Ids.Where(plan.Ids.Contains).ToList();
            var byHash = commit.Hashes.Any(plan.Hashes.Contains);
            var byPlan = commit.Hashes.Count == 0 ? [] : ids.Where(id => plan.IsEarlierVersion(id, commit.Plans, commit.Changed)).ToList();
            var belongs = byHash || byPlan.Count > 0 || (commit.Hashes.Count == 0 && ids.Count > 0);
            if (!belongs) continue;
            if (ids.Any(id => !seen.Add(id))) break;
            if (!byHash) foreach (var id in byPlan) edited.TryAdd(id, commit.Commit);
            oldest = (commit.Commit, commit.Parent);
        }
        return (oldest, edited);
    }

    private sealed record LandedCommit(string Commit, string? Parent, IReadOnlyList<string> Ids, IReadOnlyList<string> Hashes, IReadOnlyList<string> Plans, IReadOnlyList<string> Changed);

    /// <summary>
    /// The git runner of the read-only queries a verification makes (rev-parse, ls-files, log, ls-tree): they start
    /// nothing that could outlive them, so each runs without the leftover sweep (<see cref="GitCli.KillLeftovers"/>).
    /// </summary>
    internal static GitCli QueryGit() => new(timeout: GitTimeout) { KillLeftovers = false };

    private static bool HasGitEntry(string directory) =>
        Directory.Exists(Path.Combine(directory, ".git")) || File.Exists(Path.Combine(directory, ".git"));

    private static string[] Values(string trailer) =>
        trailer.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static IEnumerable<string> SplitNul(string text) => text.Split('\0', StringSplitOptions.RemoveEmptyEntries);

    private static HashSet<string> ToSet(IEnumerable<string> files) => new(files, StringComparer.Ordinal);

    private static string Short(string commit) => commit.Length > 12 ? commit[..12] : commit;

    private static bool SameDirectory(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(b).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);

    internal static string Why(Processes.ProcessResult result) =>
        result.LaunchError ?? (result.TimedOut ? $"timed out after {GitTimeout.TotalSeconds:0}s" : result.StderrTail.Split('\n', 2)[0].Trim());
}

/// <summary>
/// What identifies a plan's work orders in git history: ids, canonical hashes, the planner run of each id, and the
/// allowed files of each id (what tells an edited hand-written work order from a new one reusing its id).
/// </summary>
public sealed record PlanIdentity(IReadOnlySet<string> Ids, IReadOnlySet<string> Hashes, IReadOnlyDictionary<string, string> PlannerRuns)
{
    public IReadOnlyDictionary<string, IReadOnlySet<string>> AllowedFiles { get; init; } = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);

    public static PlanIdentity Of(IReadOnlyList<WorkOrder> plan) => new(
        plan.Select(w => w.Id).Where(id => id.Length > 0).ToHashSet(StringComparer.Ordinal),
        plan.Select(WorkOrderIdentity.Sha256).ToHashSet(StringComparer.OrdinalIgnoreCase),
        plan.Where(w => w.Id.Length > 0 && w.Provenance?.PlannerRunId is { Length: > 0 })
            .GroupBy(w => w.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Provenance!.PlannerRunId!, StringComparer.Ordinal))
    {
        AllowedFiles = plan.Where(w => w.Id.Length > 0).GroupBy(w => w.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlySet<string>)AllowedSet(g.First()), StringComparer.Ordinal),
    };

    /// <summary>
    /// Whether a factory commit that landed work order <paramref name="id"/> (with these <c>Llmc-Plan:</c> values,
    /// changing these paths) landed an earlier version of this plan's <paramref name="id"/>: the same planner run; or,
    /// for a hand-written work order (no planner run on either side), a commit that changed one of the files it may
    /// write — a rewording keeps them, a new plan that reuses the id for other work does not.
    /// </summary>
    public bool IsEarlierVersion(string id, IReadOnlyCollection<string> commitPlans, IReadOnlyCollection<string> changedPaths)
    {
        if (PlannerRuns.TryGetValue(id, out var run)) return commitPlans.Contains(run);
        return commitPlans.Count == 0 && AllowedFiles.TryGetValue(id, out var allowed) && changedPaths.Any(allowed.Contains);
    }

    private static HashSet<string> AllowedSet(WorkOrder wo) =>
        wo.AllowedFiles.Select(a => RepoPath.NormalizeOrNull(a) ?? a).ToHashSet(StringComparer.Ordinal);
}

/// <summary>Finds the repository a project belongs to: the root the caller named, else the git top level.</summary>
public static class RepositoryLocator
{
    /// <summary>The git top level above <paramref name="directory"/> (or above <paramref name="explicitRoot"/> when set), or the reason there is none.</summary>
    public static async Task<(string? Root, string? Error)> FindAsync(string? explicitRoot, string directory, CancellationToken ct = default)
    {
        var probe = string.IsNullOrWhiteSpace(explicitRoot) ? directory : explicitRoot!;
        if (!Directory.Exists(probe)) return (null, $"repository root '{probe}' does not exist");
        var topLevel = await PlanBaseline.QueryGit().TryRunAsync(probe, ["rev-parse", "--show-toplevel"], ct).ConfigureAwait(false);
        return topLevel.Succeeded && topLevel.Stdout is not null
            ? (Path.GetFullPath(Encoding.UTF8.GetString(topLevel.Stdout).Trim()), null)
            : (null, $"'{probe}' is not inside a git repository: {PlanBaseline.Why(topLevel)}");
    }

    /// <summary>
    /// The repository a command-line run changes when none is named: the one holding the plan, else the one holding the
    /// current directory (as git itself decides), so <c>llmc run-all workorders</c> works from anywhere in the checkout.
    /// </summary>
    public static async Task<(string? Root, string? Error)> ForPlanAsync(string? explicitRoot, string planPath, CancellationToken ct = default)
    {
        if (!string.IsNullOrWhiteSpace(explicitRoot)) return await FindAsync(explicitRoot, explicitRoot!, ct).ConfigureAwait(false);
        var full = Path.GetFullPath(planPath);
        var planFolder = Directory.Exists(full) ? full : Path.GetDirectoryName(full)!;
        if (Directory.Exists(planFolder) && await FindAsync(null, planFolder, ct).ConfigureAwait(false) is ({ } root, null)) return (root, null);
        var (cwdRoot, _) = await FindAsync(null, Directory.GetCurrentDirectory(), ct).ConfigureAwait(false);
        return cwdRoot is not null
            ? (cwdRoot, null)
            : (null, "neither the plan's folder nor the current directory is inside a git repository; run llmc inside the repository to change, or pass --repo DIR");
    }
}
