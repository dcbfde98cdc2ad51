using LlmCompiler.Tests.Infrastructure;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// A plan run across machines, as a CI matrix would: two legs, each a clone of one shared bare repository, run one
/// independent work order each with <c>--no-land</c> and push its kept branch; a third clone fetches them and
/// <c>llmc land</c> lands both in plan order, the second re-verified on the integrated tree.
/// </summary>
[TestClass]
public sealed partial class CiLegsTests
{
    private const string Empty = LlmCompiler.Contracts.FileWrite.EmptySha256;

    private static Task<(int Exit, string Stdout, string Stderr)> Llmc(params string[] args) => InProcessLlmc.RunAsync(args);

    private static TestRepo Clone(string bare)
    {
        var clone = new TestRepo(init: false);
        TestRepo.Run(clone.Base, "git", "clone", "-q", bare, clone.Root);
        clone.Git("config", "user.name", "CI");
        clone.Git("config", "user.email", "ci@example.invalid");
        return clone;
    }

    [TestMethod]
    public async Task Two_legs_run_independent_work_orders_without_landing_and_a_land_job_lands_both_in_plan_order()
    {
        using var origin = new TestRepo();
        origin.Write("README.md", "# product\n");
        origin.Write("workorders/WO-01.json", WorkOrderFiles.InDag("WO-01", "src/a.txt", []));
        origin.Write("workorders/WO-02.json", WorkOrderFiles.InDag("WO-02", "src/b.txt", [], acceptance: "grep -q hello src/b.txt"));
        origin.Commit("plan");
        var bare = Path.Combine(origin.Base, "shared.git");
        TestRepo.Run(origin.Base, "git", "clone", "-q", "--bare", origin.Root, bare);
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request => ScriptedResponse.Completion(WorkOrderFiles.Proposal(
            (request.MessageContents[^1].Contains("Work order WO-01", StringComparison.Ordinal) ? "src/a.txt" : "src/b.txt", Empty, "hello\n")));
        var key = "LLMC_CI_KEY_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(key, "sk-CANARY-ci");
        string[] Model() => ["--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback"];

        using var leg1 = Clone(bare);
        using var leg2 = Clone(bare);
        var (exit1, out1, err1) = await Llmc(["run", leg1.PathOf("workorders/WO-01.json"), "--no-land", "--run-id", "ci-42", .. Model()]);
        var (exit2, out2, err2) = await Llmc(["run", leg2.PathOf("workorders/WO-02.json"), "--no-land", "--run-id", "ci-42", .. Model()]);
        Assert.AreEqual(0, exit1, out1 + err1);
        Assert.AreEqual(0, exit2, out2 + err2);
        var planCommit = leg1.Head;
        Assert.AreEqual(planCommit, leg2.Head, "a no-land leg does not move its branch");
        StringAssert.Contains(out1, "commit kept on llmc/ci-42/WO-01");
        leg1.Git("push", "-q", "origin", "llmc/ci-42/WO-01");
        leg2.Git("push", "-q", "origin", "llmc/ci-42/WO-02");

        using var lander = Clone(bare);
        lander.Git("fetch", "-q", "origin", "refs/heads/llmc/*:refs/heads/llmc/*");
        var (exit, stdout, stderr) = await Llmc(["land", lander.PathOf("workorders"), "--run-id", "ci-42", .. Model()]);

        Assert.AreEqual(0, exit, stdout + stderr);
        var subjects = lander.Git("log", "--format=%s", $"{planCommit}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "WO-02: Create src/b.txt", "WO-01: Create src/a.txt" }, subjects, "both land, in plan order, one commit each:\n" + stdout + stderr);
        StringAssert.Contains(stderr, "llmc: WO-02: the branch moved since its commit was checked; applying it onto");
        StringAssert.Contains(stderr, "llmc: WO-02: running grep -q hello src/b.txt", "WO-02 was re-verified on the integrated tree");
        Assert.AreEqual(2, server.RequestCount, "landing replays the kept work: no model call");
        Assert.AreEqual("hello\n", File.ReadAllText(lander.PathOf("src/a.txt")));
        Assert.AreEqual("hello\n", File.ReadAllText(lander.PathOf("src/b.txt")));
        Assert.AreEqual("", lander.Git("branch", "--list", "llmc/*").Trim(), "landed kept branches are removed");

        // Landing again lands nothing twice.
        var (again, stdoutAgain, stderrAgain) = await Llmc(["land", lander.PathOf("workorders"), "--run-id", "ci-42", .. Model()]);
        Assert.AreEqual(0, again, stdoutAgain + stderrAgain);
        Assert.HasCount(2, lander.Git("log", "--format=%s", $"{planCommit}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
