using System.Text.Json.Nodes;
using LlmCompiler.Factory;
using LlmCompiler.IO;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// A run killed after its passing commit was made (and kept on <c>llmc/&lt;run-id&gt;</c>) but before the
/// fast-forward: the next session's recovery lands that commit when its parent is still HEAD, and keeps the
/// branch (lands nothing) when the user's branch moved meanwhile.
/// </summary>
[TestClass]
public sealed class RecoveryLandingTests
{
    [TestMethod]
    public async Task A_dead_runs_passing_commit_on_top_of_head_is_landed_by_recovery()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var commit = DeadRunWithKeptCommit(repo, "run-a");

        await OpenAndCloseSession(repo);

        Assert.AreEqual(commit, repo.Head, "recovery did not land the kept commit");
        Assert.AreEqual("", repo.Git("branch", "--list", "llmc/*").Trim(), "the landed keep-branch should be gone");
        Assert.AreEqual("", repo.Git("status", "--porcelain", "--untracked-files=all"));
        Assert.AreEqual("kept\n", File.ReadAllText(repo.PathOf("kept.txt")));
        var summary = LlmCompiler.Factory.Records.RunSummary.Read(Path.Combine(repo.Root, ".llmc", "runs", "factory", "run-a", "run_summary.json"));
        Assert.AreEqual(commit, summary.LandedCommit, "the summary of the recovered run names the commit recovery landed");
        Assert.AreEqual(commit, summary.Commit);
        Assert.AreEqual("WO-01", summary.WorkOrderId);
    }

    [TestMethod]
    public async Task A_kept_commit_whose_parent_is_no_longer_head_stays_on_its_branch()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        var commit = DeadRunWithKeptCommit(repo, "run-b");
        repo.Write("other.txt", "moved on\n").Commit("the user moved the branch");
        var head = repo.Head;

        await OpenAndCloseSession(repo);

        Assert.AreEqual(head, repo.Head, "recovery must not land on a branch that moved");
        Assert.AreEqual(commit, repo.Git("rev-parse", "llmc/run-b").Trim(), "the passing commit must stay reachable");
        Assert.IsFalse(File.Exists(repo.PathOf("kept.txt")));
    }

    /// <summary>Leaves exactly what a run killed between "committed" and "landing" leaves.</summary>
    internal static string DeadRunWithKeptCommit(TestRepo repo, string runId)
    {
        var baseline = repo.Head;
        var tree = repo.Git("write-tree").Trim();
        var blob = repo.Git("hash-object", "-w", "--no-filters", WriteTemp(repo, "kept\n")).Trim();
        repo.Git("update-index", "--add", "--cacheinfo", $"100644,{blob},kept.txt");
        var newTree = repo.Git("write-tree").Trim();
        repo.Git("read-tree", tree);
        var commit = repo.Git("commit-tree", newTree, "-p", baseline, "-m", "WO-01: Create kept.txt\n\nWork-Order: WO-01\nLlmc-Run: " + runId).Trim();
        repo.Git("branch", "llmc/" + runId, commit);

        var commonDir = repo.PathOf(".git");
        var runDir = Path.Combine(repo.Root, ".llmc", "runs", "factory", runId);
        Directory.CreateDirectory(runDir);
        using (var journal = Journal.Open(Path.Combine(runDir, "journal.jsonl")))
        {
            journal.Append("run_started", new JsonObject { ["run_id"] = runId, ["work_order_id"] = "WO-01", ["baseline"] = baseline, ["branch"] = "main" });
            journal.Append("committed", new JsonObject { ["commit"] = commit });
        }
        var active = Path.Combine(commonDir, "llmc", "active");
        Directory.CreateDirectory(active);
        File.WriteAllText(Path.Combine(active, runId), runDir);
        File.AppendAllText(Path.Combine(commonDir, "info", "exclude"), "\n.llmc/\n");
        return commit;
    }

    private static string WriteTemp(TestRepo repo, string content)
    {
        var path = Path.Combine(repo.Base, "blob.txt");
        File.WriteAllText(path, content);
        return path;
    }

    internal static async Task OpenAndCloseSession(TestRepo repo)
    {
        var (session, diagnostics) = await FactorySession.OpenAsync(repo.Root, new FactoryOptions(), TextWriter.Null, CancellationToken.None);
        Assert.IsNotNull(session, string.Join("\n", diagnostics));
        session.Dispose();
    }
}
