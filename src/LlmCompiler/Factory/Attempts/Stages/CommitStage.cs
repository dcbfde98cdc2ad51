using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Factory.Landing;
using LlmCompiler.Git;
using LlmCompiler.IO;
using LlmCompiler.Llm;
using LlmCompiler.Validation;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>
/// Every check passed: a commit on the baseline of exactly the gated blobs (plus the cassettes this work order's calls
/// were recorded to), with the trailers run-all and the contract check use to recognise finished work. It is
/// journaled, then kept on <c>llmc/&lt;run-id&gt;</c> until the run lands it.
/// </summary>
internal sealed class CommitStage : IAttemptStage
{
    public string Name => "commit";

    public async ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        var run = context.Run;
        var git = run.Session.Git;
        run.Journal.Append(JournalEvents.Committing, new JsonObject { ["attempt"] = context.Attempt });
        var entries = context.GatedEntries();
        // The tests written first land with the implementation, in the work order's one commit on the baseline.
        if (run.Frozen is { } frozen) entries.AddRange(frozen.Files.Select(f => new TreeEntry("100644", f.BlobId, f.Path)));
        var (cassetteEntries, cassetteDirectory) = await RecordedCassettesAsync(run, ct).ConfigureAwait(false);
        entries.AddRange(cassetteEntries);
        foreach (var carried in run.CarriedCassettes.Where(c => !entries.Any(e => e.Path == c.Path))) entries.Add(carried);
        if (cassetteDirectory is null && run.CarriedCassettes.Count > 0) cassetteDirectory = run.CarriedCassettes[0].Path[..run.CarriedCassettes[0].Path.LastIndexOf('/')];
        if (run.CarriedCassettes.Count > 0)
        {
            run.CassetteBlobs = new Dictionary<string, string>(run.CassetteBlobs.Concat(run.CarriedCassettes.Where(c => !run.CassetteBlobs.ContainsKey(c.Path)).Select(c => KeyValuePair.Create(c.Path, c.ObjectId))), StringComparer.Ordinal);
        }
        var expected = entries.Where(e => !run.BaselineTree.TryGetValue(e.Path, out var old) || old.ObjectId != e.ObjectId || old.Mode != e.Mode)
            .Select(e => e.Path).Order(StringComparer.Ordinal).ToList();
        var commit = await git.CommitTreeAsync(run.Session.Root, run.Session.Layout.CommitScratchDirectory, run.Baseline, entries,
            Message(run, context.Proposal!, context.Response!, cassetteDirectory), ct).ConfigureAwait(false);
        var changed = await git.ChangedPathsAsync(run.Session.Root, run.Baseline, commit, ct).ConfigureAwait(false);
        if (!changed.SequenceEqual(expected, StringComparer.Ordinal))
        {
            return StageResult.Stop(Briefs.Brief(FailureStage.Exception, Diagnostics.DiagnosticCodes.LandedWorkMismatch,
                $"the commit built from the gated writes changes [{string.Join(", ", changed.Take(20))}] instead of exactly [{string.Join(", ", expected.Take(20))}]; it was not landed",
                "Internal consistency check failed; the run stopped."));
        }
        // Journaled before the branch exists: a crash in between leaves recovery a commit id it can keep or land.
        run.Journal.Append(JournalEvents.Committed, new JsonObject { ["attempt"] = context.Attempt, ["commit"] = commit, ["branch"] = run.BranchName });
        await git.CreateBranchAsync(run.Session.Root, run.BranchName, commit, ct).ConfigureAwait(false);
        context.Commit = (commit, changed);
        return StageResult.Continue;
    }

    /// <summary>
    /// The cassettes this work order's calls were recorded to (every attempt's, so a replay can retry the same way),
    /// when the cassette folder is inside the repository: they land in the work order's commit, so a fresh clone
    /// replays the work order with no key. They are the tool's own files, never the model's.
    /// </summary>
    private static async Task<(IReadOnlyList<TreeEntry> Entries, string? Directory)> RecordedCassettesAsync(RunContext run, CancellationToken ct)
    {
        var root = run.Session.Root;
        if (run.Options.CassettesDirectory is not { } folder || run.Usage.CassetteKeys.Count == 0) return ([], null);
        var full = Path.GetFullPath(folder);
        if (!PhysicalPath.IsInside(full, root) || PhysicalPath.IsInside(root, full)) return ([], null);
        var relativeFolder = Path.GetRelativePath(root, full).Replace('\\', '/');
        var files = run.Usage.CassetteKeys.SelectMany(k => new[] { Cassette.FileNameFor("executor", k), Cassette.FileNameFor("test_author", k) })
            .Where(name => FileKinds.Of(Path.Combine(full, name)) == FileKind.Regular)
            .Select(name => relativeFolder + "/" + name)
            .Where(path => RepoPath.IsValid(path))
            .Distinct(StringComparer.Ordinal).ToList();
        if (files.Count == 0) return ([], null);
        var ids = await run.Session.Git.StoreBlobsAsync(root, files, ct).ConfigureAwait(false);
        run.CassetteBlobs = files.Select((path, i) => (path, ids[i])).ToDictionary(p => p.path, p => p.Item2, StringComparer.Ordinal);
        return ([.. files.Select((path, i) => new TreeEntry("100644", ids[i], path))], relativeFolder);
    }

    private static string Message(RunContext run, WriteProposal proposal, LlmResponse response, string? cassetteDirectory)
    {
        var wo = run.WorkOrder;
        var title = OneLine(wo.Title, 200);
        // One line, so nothing the model wrote can pose as a trailer block.
        var summary = OneLine(run.Redact(proposal.Summary), 500);
        var body = summary.Length == 0 ? "" : summary + "\n\n";
        var model = OneLine(response.Model, 100);
        return $"{wo.Id}: {title}\n\n{body}Work-Order: {wo.Id}\nLlmc-Run: {run.RunId}\nWork-Order-Sha256: {run.WorkOrderSha256}\n"
            + (model.Length == 0 ? "" : $"Llmc-Model: {model}\n")
            + (wo.Provenance?.PlannerRunId is { Length: > 0 } planRun && planRun.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? $"{PlanBaseline.PlanTrailer}: {planRun}\n" : "")
            + (cassetteDirectory is null ? "" : $"{LandedWorkOrders.CassettesTrailer}: {cassetteDirectory}\n")
            + FrozenTrailers(run);
    }

    /// <summary>The frozen tests (path, blob, SHA-256), the red evidence and the test author's model, one trailer each.</summary>
    private static string FrozenTrailers(RunContext run)
    {
        if (run.Frozen is not { } frozen) return "";
        var lines = frozen.Files.Select(f => $"Llmc-Frozen-Test: {f.Path} {f.BlobId} {f.Sha256}\n");
        var author = OneLine(frozen.AuthorModel, 100);
        return string.Concat(lines) + $"Llmc-Red: {frozen.Red.Classification}\n" + (author.Length == 0 ? "" : $"Llmc-Test-Author-Model: {author}\n");
    }

    private static string OneLine(string text, int max)
    {
        var line = string.Join(' ', text.ReplaceLineEndings(" ").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return line.Length > max ? line[..max] + "…" : line;
    }
}
