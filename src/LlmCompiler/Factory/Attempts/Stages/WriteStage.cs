using System.Text;
using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Records;
using LlmCompiler.Git;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>
/// The write gate judges the whole proposal before anything is written (scope, paths, links, base hashes, sizes,
/// protected and ignored files), writes what it allows, and the written bytes are stored as blobs at once: the
/// commit is built from those, never from what the worktree holds after model-written code has run.
/// </summary>
internal sealed class WriteStage : IAttemptStage
{
    public string Name => "write";

    public async ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        var run = context.Run;
        var proposal = context.Proposal!;
        run.Journal.Append(JournalEvents.WritesApplying, new JsonObject { ["attempt"] = context.Attempt, ["paths"] = new JsonArray([.. proposal.Writes.Take(1000).Select(w => (JsonNode)w.Path)]) });
        var submodules = run.BaselineTree.Values.Where(e => e.IsSubmodule).Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        if (context.Run.Frozen is { } frozen && proposal.Writes.FirstOrDefault(w => frozen.Contains(RepoPath.NormalizeOrNull(w.Path) ?? w.Path)) is { } touched)
        {
            // Before the gate, before any byte: the executor must make the tests pass, never make them pass by editing them.
            return StageResult.Fail(Briefs.Brief(FailureStage.WriteScopeViolation, DiagnosticCodes.FrozenTestWrite,
                $"the proposal writes '{touched.Path}', a frozen test (written first, proven red, read-only): nothing was written",
                $"Do not change the frozen tests ({string.Join(", ", frozen.Files.Select(f => f.Path))}); change only: {string.Join(", ", context.WorkOrder.AllowedFiles)}."));
        }
        var policy = new WriteGatePolicy(context.Scope)
        {
            ProtectedDirectories = run.ProtectedDirectories,
            IgnoredPaths = await IgnoredPathsAsync(run, context.Worktree, proposal, submodules, ct).ConfigureAwait(false),
            SubmodulePaths = submodules,
            Secrets = run.Session.Redactor,
        };
        var gate = WriteGate.Apply(proposal, policy, context.Worktree);
        context.Record.TouchedFiles = [.. gate.TouchedFiles];
        context.Record.WriteOk = gate.Ok;
        run.Artifacts.WriteRecord($"{context.Directory}/write_result.json", new WriteResultRecord
        {
            WriteOk = gate.Ok, TouchedFiles = [.. gate.TouchedFiles],
            Errors = gate.Failure is null ? [] : [FailureBrief.Truncate(gate.Failure.Message)],
        }, FactoryJsonContext.Default.WriteResultRecord);
        if (gate.Failure is { } refused)
        {
            var id = context.WorkOrder.Id;
            return StageResult.Fail(Briefs.Brief(refused.Stage, refused.Code, refused.Message,
                $"Write only these files: {string.Join(", ", context.Scope)}; use the sha256 shown for each file as base_sha256.")
                with { Cause = refused.Cause ?? DiagnosticCatalog.Create(refused.Code, $"{id}: {FailureBrief.Truncate(refused.Message)}", id) });
        }
        var (blobs, tampered) = await StoreGatedBlobsAsync(run, context.Worktree, gate.Written, ct).ConfigureAwait(false);
        if (tampered is not null)
        {
            // Only a process outside this attempt can write there between two steps of the harness: without a sandbox,
            // a command of another slot. Nothing is stored or landed; the run stops as for any other outside change.
            return StageResult.Stop(Briefs.Brief(FailureStage.Exception, DiagnosticCodes.ChangedOutsideWorktree,
                $"{tampered} changed between the gated write and storing it: another process wrote into the attempt worktree (without a sandbox, a command of a parallel work order can); nothing was stored",
                "The run stopped; run with the sandbox to keep parallel work orders apart."));
        }
        context.Blobs = blobs;
        return StageResult.Continue;
    }

    /// <summary>Stores the written files as blobs and proves each holds exactly the gated bytes (else names the first that does not).</summary>
    private static async Task<(IReadOnlyList<(string Path, string ObjectId)> Blobs, string? Tampered)> StoreGatedBlobsAsync(RunContext run, string worktree, IReadOnlyList<GatedFile> written, CancellationToken ct)
    {
        var ids = await run.Session.Git.StoreBlobsAsync(worktree, [.. written.Select(w => w.Path)], ct).ConfigureAwait(false);
        var blobs = new List<(string, string)>();
        for (var i = 0; i < written.Count; i++)
        {
            var expected = GitObjectId.Blob(written[i].Bytes, run.ObjectFormat);
            if (!string.Equals(ids[i], expected, StringComparison.Ordinal))
            {
                return ([], written[i].Path);
            }
            blobs.Add((written[i].Path, expected));
        }
        return (blobs, null);
    }

    /// <summary>Proposal paths that git ignores at the baseline (judged in the attempt worktree, before anything is written).</summary>
    private static async Task<IReadOnlySet<string>> IgnoredPathsAsync(RunContext run, string worktree, WriteProposal proposal, IReadOnlySet<string> submodules, CancellationToken ct)
    {
        // Paths inside a submodule are the gate's to refuse; git check-ignore rejects them outright.
        var candidates = proposal.Writes.Select(w => w.Path)
            .Where(p => WriteGate.PathProblem(p) is null && !submodules.Any(s => p == s || p.StartsWith(s + "/", StringComparison.Ordinal)))
            .Distinct(StringComparer.Ordinal).ToList();
        var ignored = new HashSet<string>(StringComparer.Ordinal);
        if (candidates.Count == 0) return ignored;
        var stdin = Encoding.UTF8.GetBytes(string.Concat(candidates.Select(p => p + "\0")));
        var check = await run.Session.Git.TryRunAsync(worktree, ["check-ignore", "-z", "--stdin"], ct, new GitInput(stdin)).ConfigureAwait(false);
        // Exit 1 means "none ignored"; 0 lists them; anything else is a git failure, which must not let paths through.
        if (check.ExitCode is not (0 or 1) || check.Stdout is null) throw new IOException($"git check-ignore failed: {check.StderrTail.Trim()}");
        foreach (var path in Encoding.UTF8.GetString(check.Stdout).Split('\0', StringSplitOptions.RemoveEmptyEntries)) ignored.Add(path);
        return ignored;
    }
}
