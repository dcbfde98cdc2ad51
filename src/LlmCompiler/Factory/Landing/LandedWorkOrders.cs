using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Git;

namespace LlmCompiler.Factory.Landing;

/// <summary>The plan's work orders that have landed, by canonical hash, and what was found suspicious on the way.</summary>
/// <param name="EditedById">Work orders whose earlier version (same id and planner run, or both hand-written) the factory landed: id → commit.</param>
internal sealed record LandedWork(IReadOnlyDictionary<string, string> CommitByHash, IReadOnlyDictionary<string, string> EditedById, IReadOnlyList<Diagnostic> Warnings);

/// <summary>
/// Which work orders of a plan have landed. A <c>Work-Order-Sha256:</c> trailer is trusted only on a commit the factory
/// made: it also carries <c>Llmc-Run:</c>, has one parent, and changes nothing outside that work order's
/// <c>allowed_files</c>. Anything else that claims a work order (a hand-written commit, a forged trailer) is named in a
/// warning (W219) and the work order counts as not landed.
/// </summary>
internal static partial class LandedWorkOrders
{
    /// <summary>Names the repository folder of the cassettes a landed commit carries besides the work order's files.</summary>
    public const string CassettesTrailer = "Llmc-Cassettes";

    private const char Unit = '\u001f';

    public static async Task<LandedWork> FindAsync(GitCli git, string root, IReadOnlyList<WorkOrder> plan, CancellationToken ct)
    {
        var identity = Validation.PlanIdentity.Of(plan);
        var byHash = plan.GroupBy(WorkOrderIdentity.Sha256, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var byId = plan.Where(w => w.Id.Length > 0).GroupBy(w => w.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var landed = new Dictionary<string, string>(StringComparer.Ordinal);
        var edited = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new List<Diagnostic>();
        var log = await git.RunAsync(root,
            ["log", "-z", "--grep=^Work-Order-Sha256:", $"--format=%H{Unit}%P{Unit}%(trailers:key=Work-Order-Sha256,valueonly,separator=%x2C){Unit}%(trailers:key=Llmc-Run,valueonly,separator=%x2C){Unit}%(trailers:key={CassettesTrailer},valueonly,separator=%x2C){Unit}%(trailers:key=Work-Order,valueonly,separator=%x2C){Unit}%(trailers:key={Validation.PlanBaseline.PlanTrailer},valueonly,separator=%x2C)", "HEAD", "--"],
            ct).ConfigureAwait(false);
        foreach (var record in log.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = record.Trim('\n').Split(Unit);
            if (fields.Length < 7) continue;
            var (commit, parents, hashes, runs) = (fields[0], fields[1].Split(' ', StringSplitOptions.RemoveEmptyEntries), Values(fields[2]), Values(fields[3]));
            var cassettes = Values(fields[4]);
            // An edited work order: an earlier version of one of the plan's work orders landed (PlanIdentity.IsEarlierVersion).
            if (!hashes.Any(byHash.ContainsKey) && Values(fields[5]) is [var woId] && byId.ContainsKey(woId)
                && !edited.ContainsKey(woId) && !landed.Values.Contains(commit) && runs.Count == 1 && parents.Length == 1
                && identity.IsEarlierVersion(woId, Values(fields[6]), await git.ChangedPathsAsync(root, parents[0], commit, ct).ConfigureAwait(false)))
            {
                edited[woId] = commit;
            }
            foreach (var hash in hashes)
            {
                if (!byHash.TryGetValue(hash, out var wo) || landed.ContainsKey(hash)) continue;
                var reason = runs.Count != 1 ? "it has no Llmc-Run trailer"
                    : parents.Length != 1 ? $"it has {parents.Length} parents"
                    : cassettes.Count > 1 ? "it names several cassette folders"
                    : await OutsideScopeAsync(git, root, parents[0], commit, wo, cassettes.FirstOrDefault(), ct).ConfigureAwait(false);
                if (reason is null)
                {
                    landed[hash] = commit;
                    continue;
                }
                warnings.Add(DiagnosticCatalog.Create(DiagnosticCodes.UntrustedTrailer,
                    $"commit {commit[..12]} claims to have landed {wo.Id} (Work-Order-Sha256 trailer), but the factory did not make it: {reason}. {wo.Id} is treated as not landed.", wo.Id));
            }
        }
        foreach (var wo in plan.Where(w => landed.ContainsKey(WorkOrderIdentity.Sha256(w)))) edited.Remove(wo.Id);
        return new LandedWork(landed, edited, warnings);
    }

    /// <summary>The first file-exists postcondition of <paramref name="wo"/> that does not hold in HEAD's tree, or null.</summary>
    public static Condition? BrokenPostcondition(WorkOrder wo, IReadOnlyDictionary<string, TreeEntry> headTree) =>
        wo.Postconditions.FirstOrDefault(c => c.Kind == ConditionKind.FileExists && !headTree.ContainsKey(c.Path));

    private static async Task<string?> OutsideScopeAsync(GitCli git, string root, string parent, string commit, WorkOrder wo, string? cassetteFolder, CancellationToken ct)
    {
        var changed = await git.ChangedPathsAsync(root, parent, commit, ct).ConfigureAwait(false);
        var allowed = wo.AllowedFiles.Select(a => RepoPath.NormalizeOrNull(a) ?? a).ToHashSet(StringComparer.Ordinal);
        var outside = changed.Where(p => !allowed.Contains(p) && !IsCassette(p, cassetteFolder)).ToList();
        return outside.Count == 0 ? null : $"it changes {string.Join(", ", outside.Take(10))}{(outside.Count > 10 ? ", …" : "")}, outside the work order's allowed_files";
    }

    /// <summary>A recorded executor cassette directly in the folder the commit names (the only extra files the factory lands).</summary>
    private static bool IsCassette(string path, string? folder) =>
        folder is not null && path.StartsWith(folder + "/", StringComparison.Ordinal) && CassetteName().IsMatch(path[(folder.Length + 1)..]);

    [System.Text.RegularExpressions.GeneratedRegex("^executor-[0-9a-f]{16}\\.json$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex CassetteName();

    private static List<string> Values(string trailer) =>
        [.. trailer.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
