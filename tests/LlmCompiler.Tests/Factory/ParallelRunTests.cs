using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmCompiler.Tests.Infrastructure;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// A plan as a DAG, run in parallel: WO-01 → {WO-02, WO-03} → WO-04 with a model that takes seconds per answer.
/// WO-02 and WO-03 are asked at the same time, every work order lands in plan order as one commit, WO-04 starts from
/// its ancestors' work; a failure blocks only its dependents; a budget for one more call allows exactly one.
/// </summary>
[TestClass]
public sealed partial class ParallelRunTests
{
    private const string Empty = LlmCompiler.Contracts.FileWrite.EmptySha256;

    [GeneratedRegex(@"Work order (WO-\d+)")]
    private static partial Regex WorkOrderInPrompt();

    /// <summary>The diamond: WO-04 checks that its ancestors' files are there when it runs (WO-01's landed by then, WO-02's and WO-03's perhaps only kept).</summary>
    internal static void Diamond(TestRepo repo)
    {
        FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.InDag("WO-01", "src/core.txt", []));
        FactoryEndToEndTests.Plan(repo, "WO-02", WorkOrderFiles.InDag("WO-02", "src/a.txt", ["WO-01"], reads: ["src/core.txt"]));
        FactoryEndToEndTests.Plan(repo, "WO-03", WorkOrderFiles.InDag("WO-03", "src/b.txt", ["WO-01"]));
        FactoryEndToEndTests.Plan(repo, "WO-04", WorkOrderFiles.InDag("WO-04", "src/d.txt", ["WO-02", "WO-03"], acceptance: "cat src/core.txt src/a.txt src/b.txt src/d.txt"));
    }

    private static Task<(int Exit, string Stdout, string Stderr)> Llmc(params string[] args) => InProcessLlmc.RunAsync(args);

    private static string Key() => InProcessLlmc.CanaryKey("LLMC_PAR_KEY_");

    [TestMethod]
    public async Task Independent_work_orders_are_asked_at_the_same_time_and_land_in_plan_order()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        Diamond(repo);
        await using var server = await LoopbackLlmServer.StartAsync();
        var asked = new ConcurrentDictionary<string, DateTimeOffset>();
        server.Responder = request =>
        {
            var id = WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value;
            asked[id] = DateTimeOffset.UtcNow;
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal((WorkOrderFiles.DiamondFileOf(id), Empty, $"hello from {id}\n"))) with { Delay = TimeSpan.FromSeconds(2) };
        };
        var baseline = repo.Head;

        var (exit, stdout, stderr) = await Llmc("run-all", Path.Combine(repo.Base, "plan"), "--repo", repo.Root, "--parallel", "2",
            "--endpoint", server.BaseUrl.ToString(), "--api-key-env", Key(), "--model", "loopback");

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual(4, server.RequestCount);
        var apart = (asked["WO-03"] - asked["WO-02"]).Duration();
        Assert.IsLessThan(TimeSpan.FromSeconds(1.5), apart, $"WO-02 and WO-03 were asked {apart.TotalSeconds:0.0} s apart; each answer takes 2 s, so they did not overlap");
        Assert.IsGreaterThan(asked["WO-02"] + TimeSpan.FromSeconds(1.9), asked["WO-04"], "WO-04 waits for its dependencies");
        var subjects = repo.Git("log", "--format=%s", $"{baseline}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "WO-04: Create src/d.txt", "WO-03: Create src/b.txt", "WO-02: Create src/a.txt", "WO-01: Create src/core.txt" }, subjects,
            "exactly four work-order commits, in plan order");
        Assert.AreEqual("", repo.Git("log", "--merges", "--format=%H", $"{baseline}..HEAD").Trim(), "no merge commits");
        foreach (var id in new[] { "WO-01", "WO-02", "WO-03", "WO-04" }) Assert.AreEqual($"hello from {id}\n", File.ReadAllText(repo.PathOf(WorkOrderFiles.DiamondFileOf(id))));
        Assert.AreEqual("", repo.Git("status", "--porcelain"));
        Assert.AreEqual("", repo.Git("branch", "--list", "llmc/*").Trim(), "no kept branch is left once everything landed");
        StringAssert.Contains(stderr, "llmc: schedule: WO-01 → {WO-02, WO-03} → WO-04; up to 2 at once");
        StringAssert.Matches(stderr, new Regex(@"llmc: WO-0[23] started in slot-\d; in flight: WO-0[23], WO-0[23]"));
        foreach (var id in new[] { "WO-01", "WO-02", "WO-03", "WO-04" }) StringAssert.Contains(stdout, $"{id} PASS after 1 attempt(s)");

        var batch = Directory.GetFiles(repo.PathOf(".llmc/runs/factory"), "batch_summary.json", SearchOption.AllDirectories).Single();
        var summary = JsonNode.Parse(File.ReadAllText(batch))!;
        var byId = summary["work_orders"]!.AsArray().ToDictionary(w => w!["id"]!.GetValue<string>(), w => w!);
        CollectionAssert.Contains(byId["WO-02"]["overlapped"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray(), "WO-03");
        Assert.AreNotEqual(byId["WO-02"]["slot"]!.GetValue<string>(), byId["WO-03"]["slot"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task A_failing_work_order_blocks_its_dependents_and_independent_work_still_lands()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        Diamond(repo);
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request =>
        {
            var id = WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value;
            // WO-03 never says hello: its acceptance fails every time.
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal((WorkOrderFiles.DiamondFileOf(id), Empty, id == "WO-03" ? $"bye {request.Number}\n" : "hello\n")));
        };
        var baseline = repo.Head;

        var (exit, stdout, stderr) = await Llmc("run-all", Path.Combine(repo.Base, "plan"), "--repo", repo.Root, "--parallel", "2", "--max-attempts", "2",
            "--endpoint", server.BaseUrl.ToString(), "--api-key-env", Key(), "--model", "loopback");

        Assert.AreNotEqual(0, exit);
        var subjects = repo.Git("log", "--format=%s", $"{baseline}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "WO-02: Create src/a.txt", "WO-01: Create src/core.txt" }, subjects);
        StringAssert.Contains(stdout, "WO-03 FAIL");
        StringAssert.Contains(stdout, "WO-04 BLOCKED: E241 WO-04 was not run: it depends on WO-03, which did not pass");
        StringAssert.Contains(stderr, "E241");
        Assert.IsFalse(server.Requests.Any(r => r.MessageContents[^1].Contains("Work order WO-04", StringComparison.Ordinal)), "a blocked work order costs nothing");
        Assert.IsFalse(File.Exists(repo.PathOf("src/b.txt")));
    }

    [TestMethod]
    public async Task Two_concurrent_work_orders_with_budget_for_one_more_call_make_exactly_one()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.InDag("WO-01", "src/a.txt", []));
        FactoryEndToEndTests.Plan(repo, "WO-02", WorkOrderFiles.InDag("WO-02", "src/b.txt", []));
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request =>
        {
            var id = WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value;
            // About $10 spent per call: after one, the next one's worst case does not fit, however the two are timed.
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal((WorkOrderFiles.DiamondFileOf(id == "WO-01" ? "WO-02" : "WO-03"), Empty, "hello\n")), completionTokens: 10_000) with { Delay = TimeSpan.FromSeconds(1) };
        };
        var prices = Path.Combine(repo.Base, "prices.json");
        File.WriteAllText(prices, """{"models": {"loopback": {"input_per_million": 1000, "output_per_million": 1000}}}""");
        // Worst case of one call: about 3,000 prompt tokens and the default output limit at $1,000 per million
        // tokens — a little under the budget; two would be twice that.
        var (exit, stdout, stderr) = await Llmc("run-all", Path.Combine(repo.Base, "plan"), "--repo", repo.Root, "--parallel", "2", "--max-attempts", "1",
            "--price-table", prices, "--max-cost-usd", "20", "--endpoint", server.BaseUrl.ToString(), "--api-key-env", Key(), "--model", "loopback");

        Assert.AreEqual(1, server.RequestCount, stdout + stderr);
        StringAssert.Contains(stderr, "E306");
        Assert.AreNotEqual(0, exit);
    }
}
