using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Factory;
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

    private const char UnitSeparator = '\u001f';

    public static PlanBaseline None(string description) => new(null, new HashSet<string>(StringComparer.Ordinal), description);

    /// <summary>
    /// Resolves the baseline of <paramref name="plan"/>. Returns an error message when
    /// <paramref name="explicitRepoRoot"/> is set but is not usable; a missing repository is otherwise not an
    /// error (the listing is empty). An explicit root outside git is walked like <see cref="RepoListing"/> does.
    /// </summary>
    /// <param name="explicitRepoRoot">The repository the caller named, or null/empty to look above <paramref name="startDirectory"/>.</param>
    public static Task<(PlanBaseline Baseline, string? Error)> ResolveAsync(
        string? explicitRepoRoot, string startDirectory, IReadOnlyList<WorkOrder> plan, CancellationToken ct = default) =>
        ResolveAsync(explicitRepoRoot, startDirectory, [.. plan.Select(w => w.Id).Where(id => id.Length > 0)],
            [.. plan.Select(WorkOrderIdentity.Sha256)], ct);

    /// <param name="planIds">The plan's work-order ids (fallback for commits without a hash trailer).</param>
    /// <param name="planHashes">The factory's canonical hashes (<see cref="WorkOrderIdentity.Sha256"/>) of the plan's work orders.</param>
    public static async Task<(PlanBaseline Baseline, string? Error)> ResolveAsync(
        string? explicitRepoRoot, string startDirectory, IReadOnlyCollection<string> planIds, IReadOnlyCollection<string> planHashes,
        CancellationToken ct = default)
    {
        var git = new GitCli(timeout: GitTimeout);
        var probeDirectory = string.IsNullOrWhiteSpace(explicitRepoRoot) ? startDirectory : explicitRepoRoot!;
        if (!Directory.Exists(probeDirectory))
        {
            return (None("no repository"), $"repository root '{probeDirectory}' does not exist");
        }
        var (root, notGit) = await RepositoryLocator.FindAsync(explicitRepoRoot, startDirectory, ct).ConfigureAwait(false);
        if (root is null)
        {
            return string.IsNullOrWhiteSpace(explicitRepoRoot)
                ? (None($"no git repository above '{startDirectory}' ({notGit}); repository-dependent checks use an empty file listing"), null)
                : (new PlanBaseline(Path.GetFullPath(explicitRepoRoot!), RepoListing.Load(explicitRepoRoot!), $"directory {explicitRepoRoot} (not a git repository)"), null);
        }

        var firstLanded = await FindFirstLandedCommitAsync(git, root, planIds, planHashes, ct).ConfigureAwait(false);
        if (firstLanded is null) return (new PlanBaseline(root, RepoListing.Load(root), $"working tree of {root}"), null);

        var (commit, parent) = firstLanded.Value;
        if (parent is null) return (new PlanBaseline(root, ToSet([]), $"empty tree before {Short(commit)}"), null);
        var tree = await git.TryRunAsync(root, ["ls-tree", "-r", "-z", "--name-only", parent], ct).ConfigureAwait(false);
        if (!tree.Succeeded || tree.Stdout is null || tree.StdoutOverflowed)
        {
            return (None("no repository"), $"git ls-tree {Short(parent)} failed in '{root}': {Why(tree)}");
        }
        return (new PlanBaseline(root, ToSet(SplitNul(Encoding.UTF8.GetString(tree.Stdout))),
            $"tree of {Short(parent)}, before the first landed work order ({Short(commit)})"), null);
    }

    /// <summary>
    /// The oldest landed commit of this plan. The factory's <c>Work-Order-Sha256:</c> trailer identifies a work order
    /// exactly, so when any landed commit carries the hash of one of the plan's work orders, only those count.
    /// Commits without that trailer fall back to their <c>Work-Order:</c> ids, walked from HEAD backwards and the
    /// walk stops at the first id seen twice, which marks an earlier plan.
    /// </summary>
    internal static async Task<(string Commit, string? Parent)?> FindFirstLandedCommitAsync(
        GitCli git, string root, IReadOnlyCollection<string> planIds, IReadOnlyCollection<string> planHashes, CancellationToken ct)
    {
        if (planIds.Count == 0 && planHashes.Count == 0) return null;
        var log = await git.TryRunAsync(root,
            ["log", "-z", "--grep=^Work-Order", $"--format=%H{UnitSeparator}%P{UnitSeparator}%(trailers:key=Work-Order,valueonly,separator=%x2C){UnitSeparator}%(trailers:key=Work-Order-Sha256,valueonly,separator=%x2C)", "HEAD", "--"],
            ct).ConfigureAwait(false);
        if (!log.Succeeded || log.Stdout is null) return null; // No commits yet.

        var commits = SplitNul(Encoding.UTF8.GetString(log.Stdout))
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

    internal static string Why(Processes.ProcessResult result) =>
        result.LaunchError ?? (result.TimedOut ? $"timed out after {GitTimeout.TotalSeconds:0}s" : result.StderrTail.Split('\n', 2)[0].Trim());
}

/// <summary>Finds the repository a project belongs to: the root the caller named, else the git top level.</summary>
public static class RepositoryLocator
{
    /// <summary>The git top level above <paramref name="directory"/> (or above <paramref name="explicitRoot"/> when set), or the reason there is none.</summary>
    public static async Task<(string? Root, string? Error)> FindAsync(string? explicitRoot, string directory, CancellationToken ct = default)
    {
        var probe = string.IsNullOrWhiteSpace(explicitRoot) ? directory : explicitRoot!;
        if (!Directory.Exists(probe)) return (null, $"repository root '{probe}' does not exist");
        var topLevel = await new GitCli(timeout: PlanBaseline.GitTimeout).TryRunAsync(probe, ["rev-parse", "--show-toplevel"], ct).ConfigureAwait(false);
        return topLevel.Succeeded && topLevel.Stdout is not null
            ? (Path.GetFullPath(Encoding.UTF8.GetString(topLevel.Stdout).Trim()), null)
            : (null, $"'{probe}' is not inside a git repository: {PlanBaseline.Why(topLevel)}");
    }
}
