using System.Text.Json.Nodes;
using LlmCompiler.Git;
using LlmCompiler.IO;

namespace LlmCompiler.Factory;

/// <summary>
/// Cleans up after runs that died (kill -9, power loss) before the next run starts; called with the
/// repository lock held, so nothing it touches belongs to a live run. Removes stray worktree folders (the
/// attempt worktree is reset before its next use),
/// deletes <c>llmc/&lt;run-id&gt;</c> branches whose commit already landed, keeps the others (nothing is lost),
/// and closes the dead run's journal and summary. Every step is idempotent: a crash here is recovered next time.
/// </summary>
internal sealed class FactoryRecovery(FactorySession session, TextWriter log)
{
    public async Task RecoverAsync(CancellationToken ct)
    {
        var git = session.Git;
        if (Directory.Exists(session.ActiveDir))
        {
            foreach (var marker in Directory.GetFiles(session.ActiveDir))
            {
                var runId = Path.GetFileName(marker);
                var runDir = SafeRead(marker);
                var journalPath = runDir is null ? null : Path.Combine(runDir, "journal.jsonl");
                var entries = journalPath is null ? [] : Journal.Read(journalPath);
                var committed = entries.LastOrDefault(e => e.Event == "committed")?.GetString("commit");
                var branch = "llmc/" + runId;
                string outcome;
                if (committed is not null && await git.IsAncestorAsync(session.Root, committed, "HEAD", ct).ConfigureAwait(false))
                {
                    outcome = $"its commit {committed[..10]} had landed";
                }
                else if (committed is not null && await LandIfStillOnHeadAsync(committed, ct).ConfigureAwait(false))
                {
                    // The commit passed every check and its parent is still HEAD: landing it now is exactly the
                    // step the dead run was about to take, and saves redoing the work order.
                    outcome = $"its passing commit {committed[..10]} was landed now";
                }
                else if (committed is not null)
                {
                    outcome = $"its passing commit {committed[..10]} is kept on branch '{branch}' (not landed)";
                }
                else
                {
                    outcome = "it had not committed anything";
                }
                log.WriteLine($"llmc: recovered interrupted run {runId}: {outcome}");
                if (runDir is not null && Directory.Exists(runDir))
                {
                    var artifacts = new RunArtifacts(runDir);
                    if (!File.Exists(artifacts.PathOf("run_summary.json")))
                    {
                        artifacts.WriteJson("run_summary.json", new JsonObject
                        {
                            ["run_id"] = runId, ["verdict"] = "ERROR", ["error"] = $"interrupted; recovered by a later run: {outcome}",
                            ["landed_commit"] = outcome.EndsWith("landed", StringComparison.Ordinal) && !outcome.EndsWith("(not landed)", StringComparison.Ordinal) ? committed : null,
                            ["total_attempts"] = entries.Count(e => e.Event == "worktree_preparing"),
                        });
                    }
                    using var journal = Journal.Open(journalPath!);
                    journal.Append("recovered", new JsonObject { ["outcome"] = outcome });
                }
                File.Delete(marker);
            }
        }

        if (Directory.Exists(session.WorktreesDir))
        {
            // The attempt worktree itself is reset (or re-created) before each use; anything else here is debris.
            foreach (var stale in Directory.GetDirectories(session.WorktreesDir).Where(d => d != session.AttemptWorktree))
            {
                try { await git.WorktreeRemoveAsync(session.Root, stale, ct).ConfigureAwait(false); }
                catch (GitException) { DeleteDirectory(stale); }
            }
        }
        await git.WorktreePruneAsync(session.Root, ct).ConfigureAwait(false);

        // A crash between creating the keep-branch and deleting it after landing leaves a branch whose commit
        // is already on HEAD: it carries nothing and goes.
        foreach (var branch in await git.BranchesAsync(session.Root, "llmc/*", ct).ConfigureAwait(false))
        {
            if (await git.IsAncestorAsync(session.Root, branch, "HEAD", ct).ConfigureAwait(false))
            {
                await git.DeleteBranchAsync(session.Root, branch, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task<bool> LandIfStillOnHeadAsync(string commit, CancellationToken ct)
    {
        var git = session.Git;
        var head = await git.HeadCommitAsync(session.Root, ct).ConfigureAwait(false);
        var parent = await git.TryRunAsync(session.Root, ["rev-parse", "--verify", "--quiet", commit + "^"], ct).ConfigureAwait(false);
        if (head is null || !parent.Succeeded || parent.Stdout is null) return false;
        if (System.Text.Encoding.UTF8.GetString(parent.Stdout).Trim() != head) return false;
        // merge --ff-only refuses when local changes would be overwritten, so a dirty checkout is never touched.
        var (ok, _) = await git.FastForwardAsync(session.Root, commit, ct).ConfigureAwait(false);
        return ok;
    }

    internal static void DeleteDirectory(string path)
    {
        if (!Directory.Exists(path)) return;
        try
        {
            // Recursive delete removes symlinks themselves and never follows them.
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a later run tries again.
        }
    }

    private static string? SafeRead(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }
}
