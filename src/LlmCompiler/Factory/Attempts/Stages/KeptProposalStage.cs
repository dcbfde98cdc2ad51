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

    private static string? Trailer(string message, string key) =>
        message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(key + ": ", StringComparison.Ordinal))?[(key.Length + 2)..].Trim();

    /// <summary>The executor's summary: the commit body between the subject and the trailers.</summary>
    private static string SummaryOf(string message)
    {
        var paragraphs = message.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n");
        return paragraphs.Length >= 3 ? paragraphs[1].Trim() : "";
    }
}
