using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Git;

namespace LlmCompiler.Factory.Parallel;

/// <summary>
/// Finds the kept work of a plan's work orders on <c>llmc/&lt;run&gt;/&lt;WO&gt;</c> branches (made here by a parallel or
/// <c>--no-land</c> run, or fetched from CI legs on other machines): only a commit that is the factory's kept work
/// for the <em>current</em> version of the work order counts (E242 otherwise).
/// </summary>
internal static class KeptWorkFinder
{
    public static async Task<(IReadOnlyDictionary<string, KeptWork> Kept, IReadOnlyList<Diagnostic> Problems)> FindAsync(
        GitCli git, string root, IReadOnlyList<WorkOrder> plan, string? runId, CancellationToken ct)
    {
        var kept = new Dictionary<string, KeptWork>(StringComparer.Ordinal);
        var problems = new List<Diagnostic>();
        // A prefix, not a glob: for-each-ref globs do not cross "/", and kept branches are two levels deep.
        var branches = await git.BranchesAsync(root, "llmc/", ct).ConfigureAwait(false);
        foreach (var wo in plan)
        {
            var candidates = branches.Where(b => runId is null ? b.StartsWith("llmc/", StringComparison.Ordinal) && b.EndsWith("/" + wo.Id, StringComparison.Ordinal) && b.Count(c => c == '/') == 2
                : b == WorkOrderPlacement.KeptBranchName(runId, wo.Id)).ToList();
            var hash = WorkOrderIdentity.Sha256(wo);
            var usable = new List<(KeptWork Work, DateTimeOffset When)>();
            foreach (var branch in candidates)
            {
                var commit = (await git.RunAsync(root, ["rev-parse", "refs/heads/" + branch], ct).ConfigureAwait(false)).Trim();
                var work = await KeptWork.ReadAsync(git, root, wo, commit, ct).ConfigureAwait(false);
                var why = work is null ? "it is not one commit on one parent that only adds or changes files"
                    : !HasTrailer(work.Commit.Message, "Llmc-Run") ? "it has no Llmc-Run trailer (the factory did not make it)"
                    : !HasTrailer(work.Commit.Message, "Work-Order-Sha256", hash) ? "its Work-Order-Sha256 is not the current work order's (edited since it ran); run it again"
                    : null;
                if (why is not null)
                {
                    problems.Add(DiagnosticCatalog.Create(DiagnosticCodes.KeptWorkUnusable, $"{branch} does not hold {wo.Id}'s kept work: {why}", wo.Id));
                    continue;
                }
                var when = DateTimeOffset.FromUnixTimeSeconds(long.Parse((await git.RunAsync(root, ["log", "-1", "--format=%ct", commit], ct).ConfigureAwait(false)).Trim(), System.Globalization.CultureInfo.InvariantCulture));
                usable.Add((work! with { Branch = branch }, when));
            }
            // Several runs kept this work order: the newest counts.
            if (usable.Count > 0) kept[wo.Id] = usable.OrderByDescending(u => u.When).ThenByDescending(u => u.Work.Branch, StringComparer.Ordinal).First().Work;
        }
        return (kept, problems);
    }

    private static bool HasTrailer(string message, string key, string? value = null) =>
        message.Split('\n').Select(l => l.Trim()).Any(l => l.StartsWith(key + ": ", StringComparison.Ordinal) && (value is null || l[(key.Length + 2)..].Trim() == value));
}
