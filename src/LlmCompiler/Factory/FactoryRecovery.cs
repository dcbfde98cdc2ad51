using System.Text.Json.Nodes;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory.Records;
using LlmCompiler.Git;
using LlmCompiler.IO;
using LlmCompiler.Processes;

namespace LlmCompiler.Factory;

/// <summary>
/// Cleans up after runs that died (kill -9, power loss) before the next run starts; called with the repository lock
/// held, so nothing it touches belongs to a live run. Kills the commands a dead run left running, removes stray
/// worktree folders (the attempt worktree is reset before its next use), lands or keeps a dead run's passing commit,
/// deletes <c>llmc/&lt;run-id&gt;</c> branches whose commit already landed, and closes the dead run's journal and
/// summary. Recovery never stays stuck: a dead run whose records are unreadable or inconsistent is closed with an
/// error, its folder moved aside and named. Every step is idempotent: a crash here is recovered next time.
/// </summary>
internal sealed class FactoryRecovery(FactorySession session, TextWriter log)
{
    public async Task RecoverAsync(CancellationToken ct)
    {
        var git = session.Git;
        if (Directory.Exists(session.ActiveDir))
        {
            foreach (var marker in Directory.GetFileSystemEntries(session.ActiveDir))
            {
                try
                {
                    await RecoverRunAsync(marker, ct).ConfigureAwait(false);
                }
                finally
                {
                    // Whatever happened above, this dead run is closed: recovery must never find it again.
                    DeleteEntry(marker);
                }
            }
        }

        // Attempt worktrees of earlier versions lived inside the git dir; the current one lives in the cache folder.
        foreach (var stale in new[] { session.Layout.LegacyWorktreesDirectory, session.Layout.WorktreesDirectory }.Where(Directory.Exists).SelectMany(Directory.GetDirectories))
        {
            if (stale == session.Layout.Slot("attempt")) continue;
            try { await git.WorktreeRemoveAsync(session.Root, stale, ct).ConfigureAwait(false); }
            catch (GitException) { DeleteDirectory(stale); }
            DeleteDirectory(stale);
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

    private async Task RecoverRunAsync(string marker, CancellationToken ct)
    {
        var runId = Path.GetFileName(marker);
        var runDir = FileKinds.Of(marker) == FileKind.Regular ? SafeFile.ReadTextOrNull(marker, 4096)?.Trim() : null;
        var journalPath = runDir is null ? null : Path.Combine(runDir, "journal.jsonl");
        var problem = RunDirectoryProblem(runId, runDir, journalPath);
        if (problem is not null)
        {
            // Only a folder proven to be one of our run folders is moved; a marker may point anywhere.
            var ours = runDir is not null && Path.IsPathFullyQualified(runDir) && FileKinds.Of(runDir) == FileKind.Directory
                && Path.GetFileName(runDir) == runId && Path.GetDirectoryName(Path.GetFullPath(runDir)) == Path.GetFullPath(session.Layout.FactoryRunsDirectory);
            var moved = ours ? MoveAside(runDir!) : null;
            log.WriteLine($"llmc: closed interrupted run {runId} with an error: {problem}{(moved is null ? "" : $"; its folder was moved to {moved}")}");
            return;
        }

        var entries = Journal.Read(journalPath!);
        KillLeftoverCommands(entries);
        var committed = entries.LastOrDefault(e => e.Event == JournalEvents.Committed)?.GetString("commit");
        if (committed is not null && !IsObjectId(committed))
        {
            var moved = MoveAside(runDir!);
            log.WriteLine($"llmc: closed interrupted run {runId} with an error: its journal names '{committed}' as its commit, which is not a commit id; its folder was moved to {moved}");
            return;
        }

        var branch = "llmc/" + runId;
        string outcome;
        string? landed = null;
        if (committed is not null && await session.Git.IsAncestorAsync(session.Root, committed, "HEAD", ct).ConfigureAwait(false))
        {
            outcome = $"its commit {committed[..10]} had landed";
            landed = committed;
        }
        else if (committed is not null && entries.FirstOrDefault(e => e.Event == JournalEvents.RunStarted)?.GetString("keep_branch") is { Length: > 0 } keep)
        {
            // A parallel or no-land run never lands by itself: its commit is kept for the merge queue (llmc land).
            await session.Git.SetBranchAsync(session.Root, keep, committed, ct).ConfigureAwait(false);
            outcome = $"its passing commit {committed[..10]} is kept on branch '{keep}' for llmc land";
        }
        else if (committed is not null && await LandIfStillOnHeadAsync(committed, ct).ConfigureAwait(false))
        {
            // The commit passed every check and its parent is still HEAD: landing it now is exactly the
            // step the dead run was about to take, and saves redoing the work order.
            outcome = $"its passing commit {committed[..10]} was landed now";
            landed = committed;
        }
        else if (committed is not null)
        {
            // Journaled before the branch was created: make sure the commit stays reachable.
            if (!await session.Git.BranchExistsAsync(session.Root, branch, ct).ConfigureAwait(false)
                && await session.Git.ObjectExistsAsync(session.Root, committed, ct).ConfigureAwait(false))
            {
                await session.Git.CreateBranchAsync(session.Root, branch, committed, ct).ConfigureAwait(false);
            }
            outcome = $"its passing commit {committed[..10]} is kept on branch '{branch}' (not landed)";
        }
        else
        {
            outcome = "it had not committed anything";
        }
        log.WriteLine($"llmc: recovered interrupted run {runId}: {outcome}");

        var artifacts = new RunArtifacts(runDir!);
        if (!File.Exists(artifacts.PathOf(RunSummary.FileName)))
        {
            // The same shape as a finished run's summary, with what the journal tells (the attempts' details died with the run).
            var start = entries.FirstOrDefault(e => e.Event == JournalEvents.RunStarted);
            new RunSummary
            {
                RunId = runId, WorkOrderId = start?.GetString("work_order_id"), WorkOrderSha256 = start?.GetString("work_order_sha256"),
                Verdict = "ERROR", TotalAttempts = entries.Count(e => e.Event == JournalEvents.WorktreePreparing),
                BaselineCommit = start?.GetString("baseline"), WorkingBranch = start?.GetString("branch"),
                LandedCommit = landed, KeptBranch = landed is null && committed is not null ? branch : null, Commit = committed,
                Started = start?.Time.ToString("O"), Finished = DateTimeOffset.UtcNow.ToString("O"),
                Diagnostics = [DiagnosticCatalog.Create(DiagnosticCodes.Cancelled, $"interrupted; recovered by a later run: {outcome}").ToCanonicalString()],
                Error = $"interrupted; recovered by a later run: {outcome}",
            }.WriteTo(artifacts);
        }
        using var journal = Journal.Open(journalPath!);
        journal.Append(JournalEvents.Recovered, new JsonObject { ["outcome"] = outcome });
    }

    /// <summary>Why a dead run's records cannot be trusted, or null when they can.</summary>
    private string? RunDirectoryProblem(string runId, string? runDir, string? journalPath)
    {
        if (runDir is null) return "its marker is not a readable file";
        if (!Path.IsPathFullyQualified(runDir) || !PhysicalPath.IsInside(runDir, session.Layout.FactoryRunsDirectory) || Path.GetFileName(runDir) != runId)
        {
            return $"its marker points at '{runDir}', which is not its run folder";
        }
        if (FileKinds.Of(runDir) != FileKind.Directory) return $"its run folder '{runDir}' {FileKinds.Describe(FileKinds.Of(runDir))}";
        var journalKind = FileKinds.Of(journalPath!);
        if (journalKind is not (FileKind.Regular or FileKind.Missing)) return $"its journal '{journalPath}' {FileKinds.Describe(journalKind)}";
        var summary = Path.Combine(runDir, "run_summary.json");
        var summaryKind = FileKinds.Of(summary);
        if (summaryKind is not (FileKind.Regular or FileKind.Missing)) return $"its summary '{summary}' {FileKinds.Describe(summaryKind)}";
        return null;
    }

    /// <summary>Commands a dead run started and never saw finish: killed if they still run (same pid and start time).</summary>
    private void KillLeftoverCommands(IReadOnlyList<JournalEntry> entries)
    {
        var finished = entries.Where(e => e.Event == JournalEvents.CommandFinished).Select(e => e.GetString("marker")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var started in entries.Where(e => e.Event == JournalEvents.CommandStarted))
        {
            var markerValue = started.GetString("marker");
            if (markerValue is null || finished.Contains(markerValue)) continue;
            var pid = started.Data["pid"] is JsonValue p && p.TryGetValue<int>(out var value) ? value : 0;
            var start = DateTimeOffset.TryParse(started.GetString("start"), out var s) ? s : default;
            var group = pid > 1 && start != default && ProcessReaper.IsSameProcessAlive(pid, start) ? pid : (int?)null;
            var killed = ProcessReaper.KillGroupAndMarked(group, markerValue);
            if (killed > 0) log.WriteLine($"llmc: killed {killed} process(es) left running by a dead run's command");
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

    /// <summary>Renames a run folder that cannot be trusted to <c>&lt;name&gt;.unreadable[-n]</c>; returns the new path (or the old one when that fails).</summary>
    private static string MoveAside(string runDir)
    {
        for (var n = 0; n < 100; n++)
        {
            var target = runDir + ".unreadable" + (n == 0 ? "" : "-" + n);
            if (FileKinds.Of(target) != FileKind.Missing) continue;
            try
            {
                Directory.Move(runDir, target);
                return target;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return runDir;
            }
        }
        return runDir;
    }

    internal static bool IsObjectId(string text) => text.Length is 40 or 64 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

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

    private static void DeleteEntry(string path)
    {
        try
        {
            if (FileKinds.Of(path) == FileKind.Directory) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
