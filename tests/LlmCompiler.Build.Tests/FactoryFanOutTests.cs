using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>
/// `dotnet build -t:Factory -m` on a plan with depends_on: MSBuild's scheduler runs the work orders as separate
/// project invocations on separate nodes (processes), at most LlmcMaxParallel at once, dependencies first; the kept
/// work lands in plan order; a failure blocks only its dependents; one budget holds across the nodes.
/// </summary>
[TestClass]
public sealed partial class FactoryFanOutTests
{
    private const string Empty = LlmCompiler.Contracts.FileWrite.EmptySha256;

    [GeneratedRegex(@"Work order (WO-\d+)")]
    private static partial Regex WorkOrderInPrompt();

    /// <summary>WO-01 → {WO-02, WO-03} → WO-04; WO-04's acceptance needs every ancestor's file.</summary>
    private static ProductRepo Diamond(LoopbackLlmServer server, string extras = "")
    {
        var product = new ProductRepo(PackageFeed.Get(),
            $"<PropertyGroup><LlmcMode>live</LlmcMode><LlmcEndpoint>{server.BaseUrl}</LlmcEndpoint><LlmcModel>loopback-model</LlmcModel><LlmcMaxAttempts>1</LlmcMaxAttempts>{extras}</PropertyGroup>");
        product.Write("workorders/WO-01.json", WorkOrderFiles.InDag("WO-01", "src/core.txt", []));
        product.Write("workorders/WO-02.json", WorkOrderFiles.InDag("WO-02", "src/a.txt", ["WO-01"]));
        product.Write("workorders/WO-03.json", WorkOrderFiles.InDag("WO-03", "src/b.txt", ["WO-01"]));
        product.Write("workorders/WO-04.json", WorkOrderFiles.InDag("WO-04", "src/d.txt", ["WO-02", "WO-03"], acceptance: "cat src/core.txt src/a.txt src/b.txt src/d.txt"));
        ChildProcess.GitOk(product.Root, "add", "-A");
        ChildProcess.GitOk(product.Root, "commit", "-q", "-m", "plan");
        return product;
    }

    private static string Git(ProductRepo product, params string[] arguments)
    {
        var result = ChildProcess.Git(product.Root, arguments);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return result.Output.Trim();
    }

    private static Dictionary<string, string?> Key() => new() { ["OPENAI_API_KEY"] = $"sk-CANARY-{Guid.NewGuid():N}" };

    [TestMethod]
    public void The_Factory_target_runs_independent_work_orders_on_separate_nodes_at_once_and_lands_them_in_plan_order()
    {
        using var server = LoopbackLlmServer.StartAsync().GetAwaiter().GetResult();
        var asked = new ConcurrentDictionary<string, DateTimeOffset>();
        server.Responder = request =>
        {
            var id = WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value;
            asked[id] = DateTimeOffset.UtcNow;
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal((WorkOrderFiles.DiamondFileOf(id), Empty, $"hello from {id}\n"))) with { Delay = TimeSpan.FromSeconds(2) };
        };
        using var product = Diamond(server);
        var baseline = Git(product, "rev-parse", "HEAD");

        var build = product.Build(Key(), "-t:Factory", "-m:4", "-p:LlmcMaxParallel=2");

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        Assert.AreEqual(4, server.RequestCount, build.ToString());
        var apart = (asked["WO-03"] - asked["WO-02"]).Duration();
        Assert.IsLessThan(TimeSpan.FromSeconds(1.5), apart, $"WO-02 and WO-03 were asked {apart.TotalSeconds:0.0} s apart; each answer takes 2 s, so they did not overlap\n{build}");
        Assert.IsGreaterThan(asked["WO-02"] + TimeSpan.FromSeconds(1.9), asked["WO-04"], "WO-04 waits for its dependencies");
        var subjects = Git(product, "log", "--format=%s", $"{baseline}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "WO-04: Create src/d.txt", "WO-03: Create src/b.txt", "WO-02: Create src/a.txt", "WO-01: Create src/core.txt" }, subjects,
            "exactly four work-order commits, in plan order:\n" + build);
        foreach (var id in new[] { "WO-01", "WO-02", "WO-03", "WO-04" }) Assert.AreEqual($"hello from {id}\n", File.ReadAllText(product.PathOf(WorkOrderFiles.DiamondFileOf(id))));
        Assert.AreEqual("", Git(product, "branch", "--list", "llmc/*"), "no kept branch is left once everything landed");
        Assert.AreEqual("", Git(product, "status", "--porcelain"));
        StringAssert.Contains(build.Output, "fans out 4 work order(s), at most 2 at once");
        var batch = Directory.GetFiles(product.PathOf(".llmc/runs/factory"), "batch_summary.json", SearchOption.AllDirectories).Single();
        var byId = JsonNode.Parse(File.ReadAllText(batch))!["work_orders"]!.AsArray().ToDictionary(w => w!["id"]!.GetValue<string>(), w => w!);
        CollectionAssert.Contains(byId["WO-02"]["overlapped"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray(), "WO-03", File.ReadAllText(batch));
        Assert.AreNotEqual(byId["WO-02"]["slot"]!.GetValue<string>(), byId["WO-03"]["slot"]!.GetValue<string>(), "two work orders at once hold two slots");
        Assert.IsNotNull(byId["WO-04"]["landed_commit"]?.GetValue<string>());
        StringAssert.Contains(build.Output, "Factory: 4 landed, 0 already landed, 4 LLM call(s)");
        Assert.IsFalse(File.Exists(product.PathOf(".git/llmc/repo.lock.holder.json")), "the run's lock is released when the build ends");

        var again = product.Build(Key(), "--no-restore", "-t:Factory", "-m:4", "-p:LlmcMaxParallel=2");
        Assert.AreEqual(0, again.ExitCode, again.ToString());
        Assert.AreEqual(4, server.RequestCount, "a second build calls no model:\n" + again);
        StringAssert.Contains(again.Output, "WO-04 already landed");
    }

    [TestMethod]
    public void A_failing_node_blocks_its_dependents_while_independent_work_lands()
    {
        using var server = LoopbackLlmServer.StartAsync().GetAwaiter().GetResult();
        server.Responder = request =>
        {
            var id = WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value;
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal((WorkOrderFiles.DiamondFileOf(id), Empty, id == "WO-03" ? "bye\n" : "hello\n")));
        };
        using var product = Diamond(server);
        var baseline = Git(product, "rev-parse", "HEAD");

        var build = product.Build(Key(), "-t:Factory", "-m:4", "-p:LlmcMaxParallel=2");

        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        var subjects = Git(product, "log", "--format=%s", $"{baseline}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "WO-02: Create src/a.txt", "WO-01: Create src/core.txt" }, subjects, build.ToString());
        Assert.IsFalse(server.Requests.Any(r => r.MessageContents[^1].Contains("Work order WO-04", StringComparison.Ordinal)), "a blocked work order costs nothing");
        StringAssert.Contains(build.Output, "workorders/WO-04.json : error E241: WO-04 was not run: it depends on WO-03");
        StringAssert.Contains(build.Output, "workorders/WO-03.json : error E211: WO-03: 'grep -q hello src/b.txt' failed");
        Assert.IsFalse(build.Output.Contains("MSB4181", StringComparison.Ordinal), "every failure is the product's own diagnostic:\n" + build);
        Assert.IsFalse(File.Exists(product.PathOf("src/b.txt")));
        StringAssert.Contains(build.Output, "Factory: 2 landed");
    }

    [TestMethod]
    public void Two_nodes_with_budget_for_one_more_call_make_exactly_one()
    {
        using var server = LoopbackLlmServer.StartAsync().GetAwaiter().GetResult();
        server.Responder = request =>
        {
            var id = WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value;
            // A call really spends about $10 (10,000 output tokens): after one call the next one's worst case no longer
            // fits, whether the two nodes ask at the same moment or one after the other.
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal((id == "WO-01" ? "src/a.txt" : "src/b.txt", Empty, "hello\n")), completionTokens: 10_000) with { Delay = TimeSpan.FromSeconds(1) };
        };
        using var product = new ProductRepo(PackageFeed.Get(),
            $"<PropertyGroup><LlmcMode>live</LlmcMode><LlmcEndpoint>{server.BaseUrl}</LlmcEndpoint><LlmcModel>loopback-model</LlmcModel><LlmcMaxAttempts>1</LlmcMaxAttempts>"
            + "<LlmcPriceTable>prices.json</LlmcPriceTable><LlmcMaxCostUsd>20</LlmcMaxCostUsd></PropertyGroup>");
        // Output is capped at 16,384 tokens, so a call's worst case is over $16: the budget allows one, not two.
        product.Write("prices.json", """{"models": {"loopback-model": {"input_per_million": 1000, "output_per_million": 1000}}}""");
        product.Write("workorders/WO-01.json", WorkOrderFiles.InDag("WO-01", "src/a.txt", []));
        product.Write("workorders/WO-02.json", WorkOrderFiles.InDag("WO-02", "src/b.txt", []));
        ChildProcess.GitOk(product.Root, "add", "-A");
        ChildProcess.GitOk(product.Root, "commit", "-q", "-m", "plan");

        var build = product.Build(Key(), "-t:Factory", "-m:4", "-p:LlmcMaxParallel=2");

        Assert.AreEqual(1, server.RequestCount, build.ToString());
        Assert.AreNotEqual(0, build.ExitCode);
        StringAssert.Contains(build.Output, "error E306:", build.ToString());
        StringAssert.Contains(build.Output, "already spent or in flight by the run's work orders together");
        Assert.AreEqual(1, build.Output.Split("Factory: 1 landed").Length - 1, build.ToString());
    }
}
