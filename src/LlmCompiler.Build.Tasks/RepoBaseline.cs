using LlmCompiler.Contracts;
using LlmCompiler.Factory;
using LlmCompiler.Validation;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// The repository files a plan is validated against: the state the plan started from. Before anything has
/// landed that is the working tree; once the factory has landed work orders of this plan it is the tree just
/// before the first of them, so that their own <c>file_absent</c> preconditions do not turn into E101 on the
/// next build.
/// </summary>
internal sealed record RepoBaseline(string? RepoRoot, IReadOnlySet<string> Files, string Description)
{
    public static RepoBaseline None(string description) => new(null, new HashSet<string>(StringComparer.Ordinal), description);
}

internal static class RepoBaselineResolver
{
    private const char UnitSeparator = '\u001f';

    /// <summary>
    /// Resolves the baseline. Returns an error message when <paramref name="explicitRepoRoot"/> is set but is
    /// not usable; a missing repository is otherwise not an error (the listing is empty, as in the CLI without
    /// <c>--repo</c>).
    /// </summary>
    public static (RepoBaseline Baseline, string? Error) Resolve(
        string? explicitRepoRoot, string startDirectory, IReadOnlyList<WorkOrder> plan, CancellationToken cancellationToken) =>
        Resolve(explicitRepoRoot, startDirectory, [.. plan.Select(w => w.Id).Where(id => id.Length > 0)],
            [.. plan.Select(WorkOrderIdentity.Sha256)], cancellationToken);

    public static (RepoBaseline Baseline, string? Error) Resolve(
        string? explicitRepoRoot, string startDirectory, IReadOnlyCollection<string> planIds, CancellationToken cancellationToken) =>
        Resolve(explicitRepoRoot, startDirectory, planIds, [], cancellationToken);

    /// <param name="planHashes">The factory's canonical hashes (<see cref="WorkOrderIdentity.Sha256"/>) of the plan's work orders.</param>
    public static (RepoBaseline Baseline, string? Error) Resolve(
        string? explicitRepoRoot, string startDirectory, IReadOnlyCollection<string> planIds, IReadOnlyCollection<string> planHashes,
        CancellationToken cancellationToken)
    {
        var probeDirectory = string.IsNullOrWhiteSpace(explicitRepoRoot) ? startDirectory : explicitRepoRoot!;
        if (!Directory.Exists(probeDirectory))
        {
            return (RepoBaseline.None("no repository"), $"repository root '{probeDirectory}' does not exist");
        }
        var (root, notGit) = RepoLocator.Find(explicitRepoRoot, startDirectory, cancellationToken);
        if (root is null)
        {
            // Same as the CLI's --repo DIR outside git: the engine walks the directory.
            return string.IsNullOrWhiteSpace(explicitRepoRoot)
                ? (RepoBaseline.None($"no git repository above the project ({notGit}); repository-dependent checks use an empty file listing"), null)
                : (new RepoBaseline(Path.GetFullPath(explicitRepoRoot!), RepoListing.Load(explicitRepoRoot!), $"directory {explicitRepoRoot} (not a git repository)"), null);
        }

        var firstLanded = FindFirstLandedCommit(root, planIds, planHashes, cancellationToken);
        if (firstLanded is null) return (new RepoBaseline(root, RepoListing.Load(root), $"working tree of {root}"), null);

        var (commit, parent) = firstLanded.Value;
        if (parent is null) return (new RepoBaseline(root, ToSet([]), $"empty tree before {Short(commit)}"), null);
        var tree = GitCommand.Run(root, ["ls-tree", "-r", "-z", "--name-only", parent], cancellationToken);
        if (!tree.Success) return (RepoBaseline.None("no repository"), $"git ls-tree {Short(parent)} failed in '{root}': {FirstLine(tree.StandardError)}");
        return (new RepoBaseline(root, ToSet(SplitNul(tree.StandardOutput)), $"tree of {Short(parent)}, before the first landed work order ({Short(commit)})"), null);
    }

    /// <summary>
    /// The oldest landed commit of this plan. The factory's <c>Work-Order-Sha256:</c> trailer identifies a work order
    /// exactly, so when any landed commit carries the hash of one of the plan's work orders, only those count.
    /// Commits without that trailer fall back to their <c>Work-Order:</c> ids, walked from HEAD backwards and the
    /// walk stops at the first id seen twice, which marks an earlier plan.
    /// </summary>
    internal static (string Commit, string? Parent)? FindFirstLandedCommit(
        string root, IReadOnlyCollection<string> planIds, IReadOnlyCollection<string> planHashes, CancellationToken cancellationToken)
    {
        if (planIds.Count == 0 && planHashes.Count == 0) return null;
        var log = GitCommand.Run(root,
            ["log", "-z", "--grep=^Work-Order", $"--format=%H{UnitSeparator}%P{UnitSeparator}%(trailers:key=Work-Order,valueonly,separator=%x2C){UnitSeparator}%(trailers:key=Work-Order-Sha256,valueonly,separator=%x2C)", "HEAD", "--"],
            cancellationToken);
        if (!log.Success) return null; // No commits yet.

        var commits = SplitNul(log.StandardOutput)
            .Select(record => record.Trim('\n').Split(UnitSeparator))
            .Where(fields => fields.Length >= 4)
            .Select(fields => new LandedCommit(fields[0], fields[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(),
                Values(fields[2]), Values(fields[3])))
            .ToList();

        var hashes = new HashSet<string>(planHashes, StringComparer.OrdinalIgnoreCase);
        var byHash = commits.Where(c => c.Hashes.Any(hashes.Contains)).ToList();
        if (byHash.Count > 0) return (byHash[^1].Commit, byHash[^1].Parent);

        var ids = new HashSet<string>(planIds, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        (string, string?)? oldest = null;
        // A commit that carries a hash was judged by it above; ids only decide for commits without one.
        foreach (var commit in commits.Where(c => hashes.Count == 0 || c.Hashes.Count == 0))
        {
            var woIds = commit.Ids.Where(ids.Contains).ToList();
            if (woIds.Count == 0) continue;
            if (woIds.Any(id => !seen.Add(id))) break;
            oldest = (commit.Commit, commit.Parent);
        }
        return oldest;
    }

    private sealed record LandedCommit(string Commit, string? Parent, IReadOnlyList<string> Ids, IReadOnlyList<string> Hashes);

    private static string[] Values(string trailer) =>
        trailer.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static IEnumerable<string> SplitNul(string text) => text.Split('\0', StringSplitOptions.RemoveEmptyEntries);

    private static HashSet<string> ToSet(IEnumerable<string> files) => new(files, StringComparer.Ordinal);

    private static string Short(string commit) => commit.Length > 12 ? commit[..12] : commit;

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
