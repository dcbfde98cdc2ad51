using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Factory.Landing;
using LlmCompiler.Factory.Parallel;
using LlmCompiler.Git;
using LlmCompiler.IO;
using LlmCompiler.Llm;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>
/// The merge queue's first attempt: instead of asking the model, propose exactly the writes of the work order's kept
/// commit, with the base hashes of the commit it was made on. The write gate then applies them onto the integrated
/// tree (a file changed there since is a stale base, E207), and the usual stages verify the result. A failure is
/// what the next attempt — the one bounded repair, by the model against the integrated tree — is told.
/// </summary>
internal sealed class KeptProposalStage(KeptWork kept) : IAttemptStage
{
    private readonly ProposeStage _repair = new();

    public string Name => "propose";

    public async ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        if (context.Attempt > 1) return await _repair.RunAsync(context, ct).ConfigureAwait(false);
        var run = context.Run;
        var git = run.Session.Git;
        var root = run.Session.Root;
        var cassetteFolder = Trailer(kept.Commit.Message, LandedWorkOrders.CassettesTrailer);
        var baseTree = await git.TreeEntriesAsync(root, kept.Base, ct).ConfigureAwait(false);
        var writes = new List<FileWrite>();
        var cassettes = new List<TreeEntry>();
        foreach (var change in kept.Changes)
        {
            // Frozen tests are in the attempt's starting tree already; the commit carries them again from the frozen set.
            if (run.Frozen is { } frozen && frozen.Contains(change.Path)) continue;
            if (cassetteFolder is not null && change.Path.StartsWith(cassetteFolder + "/", StringComparison.Ordinal))
            {
                cassettes.Add(change);
                continue;
            }
            var content = Encoding.UTF8.GetString(await git.ReadBlobAsync(root, change.ObjectId, ct).ConfigureAwait(false));
            var baseSha = baseTree.TryGetValue(change.Path, out var before)
                ? ContentHash.Sha256Hex(await git.ReadBlobAsync(root, before.ObjectId, ct).ConfigureAwait(false))
                : FileWrite.EmptySha256;
            writes.Add(new FileWrite(change.Path, baseSha, content));
        }
        run.CarriedCassettes = cassettes;
        context.Proposal = new WriteProposal { Summary = SummaryOf(kept.Commit.Message), Writes = writes };
        context.Response = new LlmResponse { Text = "", Model = Trailer(kept.Commit.Message, "Llmc-Model") ?? "" };
        context.AnswerHash = kept.Commit.Tree;
        run.Log.WriteLine($"llmc: {context.WorkOrder.Id}: applying its passing commit {kept.Commit.Id[..12]} onto the integrated tree");
        return StageResult.Continue;
    }

    /// <summary>The frozen tests a kept commit carries (its <c>Llmc-Frozen-Test:</c> trailers and their blobs), or null.</summary>
    internal static async Task<TestsFirst.FrozenTestSet?> FrozenOfAsync(GitCli git, string root, KeptWork kept, CancellationToken ct)
    {
        var lines = kept.Commit.Message.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("Llmc-Frozen-Test: ", StringComparison.Ordinal)).ToList();
        if (lines.Count == 0) return null;
        var files = new List<TestsFirst.FrozenFile>();
        foreach (var line in lines)
        {
            var parts = line["Llmc-Frozen-Test: ".Length..].Split(' ');
            if (parts.Length != 3 || kept.Changes.FirstOrDefault(c => c.Path == parts[0]) is not { } change || change.ObjectId != parts[1]) return null;
            var bytes = await git.ReadBlobAsync(root, change.ObjectId, ct).ConfigureAwait(false);
            if (ContentHash.Sha256Hex(bytes) != parts[2]) return null;
            files.Add(new TestsFirst.FrozenFile(parts[0], parts[1], parts[2], bytes));
        }
        return new TestsFirst.FrozenTestSet(files, new TestsFirst.RedEvidence(Trailer(kept.Commit.Message, "Llmc-Red") ?? "", [], []), Trailer(kept.Commit.Message, "Llmc-Test-Author-Model") ?? "");
    }

    private static string? Trailer(string message, string key) =>
        message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(key + ": ", StringComparison.Ordinal))?[(key.Length + 2)..].Trim();

    /// <summary>The executor's summary: the commit body between the subject and the trailers.</summary>
    private static string SummaryOf(string message)
    {
        var paragraphs = message.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n");
        return paragraphs.Length >= 3 ? paragraphs[1].Trim() : "";
    }
}
