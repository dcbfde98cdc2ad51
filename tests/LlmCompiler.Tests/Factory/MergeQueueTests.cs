using LlmCompiler.Tests.Infrastructure;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// The merge queue (<c>llmc land</c>) when the branch moved after a work order's commit was checked: the commit is
/// applied onto the branch and checked again there; one that fails gets one repair, then it and its dependents are
/// BLOCKED with their commits kept; a queue killed mid-way and run again never lands anything twice.
/// </summary>
[TestClass]
public sealed class MergeQueueTests
{
    private const string Empty = LlmCompiler.Contracts.FileWrite.EmptySha256;

    private static Task<(int Exit, string Stdout, string Stderr)> Llmc(params string[] args) => InProcessLlmc.RunAsync(args);

    private static string Key()
    {
        var name = "LLMC_MQ_KEY_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(name, "sk-CANARY-mq");
        return name;
    }

    /// <summary>A repository whose plan sits in it: WO-02 passes only while src/late.txt does not exist; WO-03 depends on WO-02.</summary>
    private static TestRepo Repo()
    {
        var repo = FactoryEndToEndTests.NewRepo();
        repo.Write("workorders/WO-01.json", WorkOrderFiles.InDag("WO-01", "src/a.txt", []));
        repo.Write("workorders/WO-02.json", WorkOrderFiles.InDag("WO-02", "src/b.txt", [], acceptance: "test ! -e src/late.txt"));
        repo.Write("workorders/WO-03.json", WorkOrderFiles.InDag("WO-03", "src/c.txt", ["WO-02"]));
        repo.Commit("plan");
        return repo;
    }

    private static LoopbackLlmServer Answering(LoopbackLlmServer server)
    {
        server.Responder = request =>
        {
            var prompt = request.MessageContents[^1];
            var file = prompt.Contains("Work order WO-01", StringComparison.Ordinal) ? "src/a.txt" : prompt.Contains("Work order WO-02", StringComparison.Ordinal) ? "src/b.txt" : "src/c.txt";
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal((file, Empty, "hello\n")));
        };
        return server;
    }

    [TestMethod]
    public async Task Work_that_no_longer_fast_forwards_is_applied_on_the_moved_branch_and_checked_there()
    {
        using var repo = Repo();
        await using var server = Answering(await LoopbackLlmServer.StartAsync());
        string[] Common() => ["--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", Key(), "--model", "loopback", "--run-id", "r1"];
        var (kept, _, keptErr) = await Llmc(["run", repo.PathOf("workorders/WO-02.json"), "--no-land", .. Common()]);
        Assert.AreEqual(0, kept, keptErr);
        repo.Write("NOTES.md", "the user works on meanwhile\n").Commit("user commit");
        var moved = repo.Head;

        var (exit, stdout, stderr) = await Llmc(["land", repo.PathOf("workorders"), .. Common()]);

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual(moved, repo.Git("rev-parse", "HEAD~1").Trim(), "landed on top of the moved branch");
        Assert.AreEqual("WO-02: Create src/b.txt", repo.Git("log", "-1", "--format=%s").Trim());
        StringAssert.Contains(stderr, "llmc: WO-02: running test ! -e src/late.txt", "checked again on the integrated tree");
        Assert.AreEqual(1, server.RequestCount, "applying the kept work needs no model call");
    }

    [TestMethod]
    public async Task A_work_order_that_fails_on_the_integrated_tree_gets_one_repair_then_it_and_its_dependents_are_blocked()
    {
        using var repo = Repo();
        await using var server = Answering(await LoopbackLlmServer.StartAsync());
        string[] Common() => ["--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", Key(), "--model", "loopback", "--run-id", "r2"];
        Assert.AreEqual(0, (await Llmc(["run", repo.PathOf("workorders/WO-01.json"), "--no-land", .. Common()])).Exit);
        Assert.AreEqual(0, (await Llmc(["run", repo.PathOf("workorders/WO-02.json"), "--no-land", .. Common()])).Exit);
        Assert.AreEqual(0, (await Llmc(["run", repo.PathOf("workorders/WO-03.json"), "--no-land", .. Common()])).Exit, "WO-03 starts from WO-02's kept work");
        Assert.AreEqual(3, server.RequestCount);
        // Meanwhile the branch gets the file that makes WO-02's acceptance fail.
        repo.Write("src/late.txt", "late\n").Commit("late file");
        var moved = repo.Head;

        var (exit, stdout, stderr) = await Llmc(["land", repo.PathOf("workorders"), .. Common()]);

        Assert.AreNotEqual(0, exit);
        Assert.AreEqual("WO-01: Create src/a.txt", repo.Git("log", "-1", "--format=%s").Trim(), "independent work landed");
        Assert.AreEqual(moved, repo.Git("rev-parse", "HEAD~1").Trim());
        Assert.AreEqual(4, server.RequestCount, "exactly one repair call for WO-02, none for WO-03");
        StringAssert.Contains(stdout, "WO-02 BLOCKED: E240");
        StringAssert.Contains(stdout, "WO-03 BLOCKED: E241");
        Assert.IsFalse(File.Exists(repo.PathOf("src/b.txt")));
        var keptBranches = repo.Git("branch", "--list", "llmc/*").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        CollectionAssert.AreEquivalent(new[] { "llmc/r2/WO-02", "llmc/r2/WO-03" }, keptBranches, "blocked work stays kept; landed work's branch goes");
    }

    [TestMethod]
    public async Task A_queue_killed_at_any_point_and_run_again_lands_each_work_order_exactly_once()
    {
        for (var trial = 0; trial < 6; trial++)
        {
            using var repo = FactoryEndToEndTests.NewRepo();
            repo.Write("workorders/WO-01.json", WorkOrderFiles.InDag("WO-01", "src/a.txt", []));
            // A slow check on the integrated tree, so a kill can fall while it runs.
            repo.Write("workorders/WO-02.json", WorkOrderFiles.InDag("WO-02", "src/b.txt", [], acceptance: "sh -c \"sleep 0.4; grep -q hello src/b.txt\""));
            repo.Commit("plan");
            await using var server = Answering(await LoopbackLlmServer.StartAsync());
            var key = Key();
            string[] Common() => ["--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback", "--run-id", "k", "--sandbox", "off"];
            Assert.AreEqual(0, (await Llmc(["run", repo.PathOf("workorders/WO-01.json"), "--no-land", .. Common()])).Exit);
            Assert.AreEqual(0, (await Llmc(["run", repo.PathOf("workorders/WO-02.json"), "--no-land", .. Common()])).Exit);
            var plan = repo.Head;

            using (var process = LlmcProcess.Start(repo.Base, new Dictionary<string, string?> { [key] = "sk-CANARY-mq" }, ["land", repo.PathOf("workorders"), .. Common()]))
            {
                await Task.Delay(300 + trial * 250);
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            var (exit, stdout, stderr) = await Llmc(["land", repo.PathOf("workorders"), .. Common()]);

            Assert.AreEqual(0, exit, $"trial {trial}: {stdout}{stderr}");
            var subjects = repo.Git("log", "--format=%s", $"{plan}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            CollectionAssert.AreEqual(new[] { "WO-02: Create src/b.txt", "WO-01: Create src/a.txt" }, subjects, $"trial {trial}: each work order exactly once");
            Assert.AreEqual("", repo.Git("status", "--porcelain"), $"trial {trial}");
        }
    }
}
