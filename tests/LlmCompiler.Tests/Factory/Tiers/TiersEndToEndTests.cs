using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmCompiler.Factory.Records;
using LlmCompiler.Tests.Infrastructure;

namespace LlmCompiler.Tests.Factory.Tiers;

/// <summary>
/// Roles, escalation, review and the health budget through <c>llmc run-all</c>, the real OpenAI SDK and a loopback
/// server that answers by the model each request names: what the server received, what landed, and what the ledger,
/// summary and metrics say.
/// </summary>
[TestClass]
public sealed partial class TiersEndToEndTests
{
    private const string Empty = LlmCompiler.Contracts.FileWrite.EmptySha256;

    [GeneratedRegex(@"Work order (WO-\d+)")]
    private static partial Regex WorkOrderInPrompt();

    private static Task<(int Exit, string Stdout, string Stderr)> Llmc(params string[] args) => InProcessLlmc.RunAsync(args);

    private static string Key() => InProcessLlmc.CanaryKey("LLMC_TIER_KEY_");

    private static string ModelOf(RecordedRequest request) => request.Json!["model"]!.GetValue<string>();

    private static string IdOf(RecordedRequest request) => WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value;

    private static TestRepo RepoWith(string config, params (string Id, string Json)[] plan)
    {
        var repo = FactoryEndToEndTests.NewRepo();
        repo.Write("llmc.json", config).Commit("model configuration");
        foreach (var (id, json) in plan) FactoryEndToEndTests.Plan(repo, id, json);
        return repo;
    }

    private static string[] Run(TestRepo repo, LoopbackLlmServer server, string key, params string[] extra) =>
        ["run-all", Path.Combine(repo.Base, "plan"), "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "default-model", .. extra];

    [TestMethod]
    public async Task The_cheap_executor_fails_twice_and_the_strong_escalation_lands_it_visibly_and_replays_offline()
    {
        using var repo = RepoWith("""{ "roles": { "executor": { "model": "cheap", "attempts": 2 }, "escalation": { "model": "strong" } } }""",
            ("WO-01", WorkOrderFiles.InDag("WO-01", "src/a.txt", [])));
        await using var server = await LoopbackLlmServer.StartAsync();
        // The cheap model never says hello (a different wrong answer each time, so nothing "repeats"); the strong one does.
        server.Responder = r => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("src/a.txt", Empty, ModelOf(r) == "strong" ? "hello\n" : $"bye {r.Number}\n")));
        var cassettes = Path.Combine(repo.Base, "cassettes");
        var baseline = repo.Head;

        var (exit, stdout, stderr) = await Llmc(Run(repo, server, Key(), "--cassettes", cassettes));

        Assert.AreEqual(0, exit, stdout + stderr);
        CollectionAssert.AreEqual(new[] { "cheap", "cheap", "strong" }, server.Requests.Select(ModelOf).ToArray());
        StringAssert.Contains(stderr, "llmc: WO-01: escalating to strong after 2 failed attempts");
        StringAssert.Contains(stderr, "roles from " + repo.PathOf("llmc.json"));
        Assert.AreEqual("hello\n", File.ReadAllText(repo.PathOf("src/a.txt")));

        var ledger = File.ReadAllLines(repo.PathOf(".llmc/ledger.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        CollectionAssert.AreEqual(new[] { "executor/cheap", "executor/cheap", "escalation/strong" },
            ledger.Select(e => $"{e["purpose"]}/{e["model"]}").ToArray(), "the ledger names the role and model of every call");

        var summaryPath = Directory.GetFiles(repo.PathOf(".llmc/runs/factory"), RunSummary.FileName, SearchOption.AllDirectories).Single();
        var summary = RunSummary.Read(summaryPath);
        CollectionAssert.AreEqual(new[] { "executor/cheap", "executor/cheap", "escalation/strong" }, summary.Attempts.Select(a => $"{a.Role}/{a.Model}").ToArray());
        Assert.IsTrue(summary.Escalated);
        Assert.AreEqual(("escalation", "strong"), (summary.LandedByRole, summary.LandedByModel));
        Assert.AreEqual(2, summary.ByModel!["cheap"].Calls);
        Assert.AreEqual(1, summary.ByRole!["escalation"].Calls);

        var metrics = File.ReadAllLines(repo.PathOf(".llmc/metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        var wo = metrics.Single(m => m!["type"]!.GetValue<string>() == "work_order");
        Assert.AreEqual(("PASS", true, "strong", 3), (wo["status"]!.GetValue<string>(), wo["escalated"]!.GetValue<bool>(), wo["landed_by_model"]!.GetValue<string>(), wo["attempts"]!.GetValue<int>()));
        var run = metrics.Single(m => m!["type"]!.GetValue<string>() == "run");
        Assert.AreEqual((1, 0.0, 1.0), (run["landed"]!.GetValue<int>(), run["executor_tier_completion"]!.GetValue<double>(), run["escalation_rate"]!.GetValue<double>()));
        StringAssert.Contains(stdout, "metrics: 1 landed, 0 failed, 0 blocked of 1 run; executor tier 0 %, escalated 100 %");

        // The same run again from the baseline, replayed: the same three answers from cassettes, nothing sent.
        repo.Git("reset", "--hard", baseline);
        var before = server.RequestCount;
        var (replayExit, replayOut, replayErr) = await Llmc(Run(repo, server, Key(), "--cassettes", cassettes, "--llm-mode", "replay"));
        Assert.AreEqual(0, replayExit, replayOut + replayErr);
        Assert.AreEqual(before, server.RequestCount, "a replayed run makes no live call");
        StringAssert.Contains(replayErr, "llmc: WO-01: escalating to strong after 2 failed attempts");
        Assert.AreEqual("hello\n", File.ReadAllText(repo.PathOf("src/a.txt")));
    }

    [TestMethod]
    public async Task Two_equal_failing_answers_move_to_the_next_rung_instead_of_spending_the_rest()
    {
        using var repo = RepoWith("""{ "roles": { "executor": { "model": "cheap", "attempts": 5 }, "escalation": { "model": "strong", "attempts": 1 } } }""",
            ("WO-01", WorkOrderFiles.InDag("WO-01", "src/a.txt", [])));
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = r => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("src/a.txt", Empty, ModelOf(r) == "strong" ? "hello\n" : "bye\n")));

        var (exit, stdout, stderr) = await Llmc(Run(repo, server, Key()));

        Assert.AreEqual(0, exit, stdout + stderr);
        CollectionAssert.AreEqual(new[] { "cheap", "cheap", "strong" }, server.Requests.Select(ModelOf).ToArray(), "three executor attempts were saved");
        StringAssert.Contains(stderr, "llmc: WO-01: escalating to strong after 2 failed attempts (the same answer failed the same way twice)");
    }

    [TestMethod]
    public async Task A_hard_work_order_starts_at_the_escalation_role()
    {
        var hard = JsonNode.Parse(WorkOrderFiles.InDag("WO-01", "src/a.txt", []))!;
        hard["difficulty"] = "hard";
        using var repo = RepoWith("""{ "roles": { "executor": { "model": "cheap" }, "escalation": { "model": "strong" } } }""", ("WO-01", hard.ToJsonString()));
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("src/a.txt", Empty, "hello\n")));

        var (exit, stdout, stderr) = await Llmc(Run(repo, server, Key()));

        Assert.AreEqual(0, exit, stdout + stderr);
        CollectionAssert.AreEqual(new[] { "strong" }, server.Requests.Select(ModelOf).ToArray());
        Assert.DoesNotContain("escalating", stderr, "starting at a rung is not an escalation");
    }

    private const string ReviewedConfig = """{ "roles": { "executor": { "model": "cheap", "attempts": 3 }, "reviewer": { "model": "rev" } }, "review": { "always": ["src/**"] } }""";

    private static string Verdict(string verdict, params (string Severity, string File, int Line, string Summary)[] findings) => new JsonObject
    {
        ["verdict"] = verdict, ["summary"] = "review",
        ["findings"] = new JsonArray([.. findings.Select(f => (JsonNode)new JsonObject { ["severity"] = f.Severity, ["file"] = f.File, ["line"] = f.Line, ["summary"] = f.Summary })]),
    }.ToJsonString();

    [TestMethod]
    public async Task A_critical_review_finding_reopens_the_work_order_once_then_fails_it_at_the_file_and_line()
    {
        using var repo = RepoWith(ReviewedConfig, ("WO-01", WorkOrderFiles.InDag("WO-01", "src/a.txt", [])));
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = r => ScriptedResponse.Completion(ModelOf(r) == "rev"
            ? Verdict("block", ("critical", "src/a.txt", 1, "hard-codes the expected output"), ("minor", "src/a.txt", 1, "no trailing newline policy"))
            : WorkOrderFiles.Proposal(("src/a.txt", Empty, $"hello {r.Number}\n")));
        var baseline = repo.Head;

        var (exit, stdout, stderr) = await Llmc(Run(repo, server, Key()));

        Assert.AreNotEqual(0, exit);
        CollectionAssert.AreEqual(new[] { "cheap", "rev", "cheap", "rev" }, server.Requests.Select(ModelOf).ToArray(), "one re-open, then no further attempt although the executor had attempts left");
        StringAssert.Contains(server.Requests[2].MessageContents[^1], "hard-codes the expected output", "the re-opened attempt is told the finding");
        StringAssert.Contains(server.Requests[1].MessageContents[^1], "+hello 1", "the reviewer sees the diff");
        Assert.AreEqual(baseline, repo.Head, "a blocked work order does not land");
        var file = repo.PathOf("src/a.txt");
        StringAssert.Contains(stderr, $"{file}(1,1): error E228: WO-01: review, critical: hard-codes the expected output");
        StringAssert.Contains(stderr, $"{file}(1,1): warning W228: WO-01: review, critical (re-opened the work order): hard-codes the expected output");
        StringAssert.Contains(stderr, $"{file}(1,1): warning W228: WO-01: review, minor: no trailing newline policy");
        var metrics = File.ReadAllLines(repo.PathOf(".llmc/metrics.jsonl")).Select(l => JsonNode.Parse(l)!).Single(m => m!["type"]!.GetValue<string>() == "work_order");
        Assert.AreEqual((true, 2), (metrics["review_ran"]!.GetValue<bool>(), metrics["review_blocks"]!.GetValue<int>()));
    }

    [TestMethod]
    public async Task A_block_then_a_pass_lands_the_repaired_work()
    {
        using var repo = RepoWith(ReviewedConfig, ("WO-01", WorkOrderFiles.InDag("WO-01", "src/a.txt", [])));
        await using var server = await LoopbackLlmServer.StartAsync();
        var reviews = 0;
        server.Responder = r => ScriptedResponse.Completion(ModelOf(r) == "rev"
            ? ++reviews == 1 ? Verdict("block", ("critical", "src/a.txt", 1, "wrong greeting")) : Verdict("pass")
            : WorkOrderFiles.Proposal(("src/a.txt", Empty, r.Number == 1 ? "hello wrong\n" : "hello right\n")));

        var (exit, stdout, stderr) = await Llmc(Run(repo, server, Key()));

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual("hello right\n", File.ReadAllText(repo.PathOf("src/a.txt")));
        StringAssert.Contains(stderr, "warning W228: WO-01: review, critical (re-opened the work order): wrong greeting");
    }

    [TestMethod]
    [DataRow("Looks great, ship it!")]
    [DataRow("{\"verdict\": \"block\"")]
    public async Task An_unreadable_review_does_not_block(string answer)
    {
        using var repo = RepoWith(ReviewedConfig, ("WO-01", WorkOrderFiles.InDag("WO-01", "src/a.txt", [])));
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = r => ScriptedResponse.Completion(ModelOf(r) == "rev" ? answer : WorkOrderFiles.Proposal(("src/a.txt", Empty, "hello\n")));

        var (exit, stdout, stderr) = await Llmc(Run(repo, server, Key()));

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual(2, server.RequestCount);
        StringAssert.Contains(stderr, "warning W227: WO-01: the reviewer's answer was not a verdict");
        Assert.AreEqual("hello\n", File.ReadAllText(repo.PathOf("src/a.txt")));
    }

    [TestMethod]
    public async Task A_small_change_is_not_reviewed()
    {
        using var repo = RepoWith("""{ "roles": { "reviewer": { "model": "rev" } } }""", ("WO-01", WorkOrderFiles.InDag("WO-01", "src/a.txt", [])));
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("src/a.txt", Empty, "hello\n")));

        var (exit, stdout, stderr) = await Llmc(Run(repo, server, Key()));

        Assert.AreEqual(0, exit, stdout + stderr);
        CollectionAssert.AreEqual(new[] { "default-model" }, server.Requests.Select(ModelOf).ToArray(), "one file, one line, no escalation: no review");
    }

    [TestMethod]
    public async Task The_same_restore_error_in_three_work_orders_stops_the_run_as_systemic()
    {
        const string restore = "sh -c 'echo \"/src/App/App.csproj : error NU1101: Unable to find package Contoso.Missing. No packages exist with this id in source(s): feed [/src/App/App.csproj]\"; exit 1'";
        var plan = Enumerable.Range(1, 5).Select(i => ($"WO-0{i}", WorkOrderFiles.InDag($"WO-0{i}", $"src/f{i}.txt", [], acceptance: restore))).ToArray();
        using var repo = RepoWith("""{ "health": { "max_failed_work_orders": 10 } }""", plan);
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = r => ScriptedResponse.Completion(WorkOrderFiles.Proposal(($"src/f{IdOf(r)[^1]}.txt", Empty, "hello\n")));

        var (exit, stdout, stderr) = await Llmc(Run(repo, server, Key(), "--parallel", "2", "--max-attempts", "1"));

        Assert.AreNotEqual(0, exit);
        var systemic = Regex.Match(stderr, @"error E232: the run stopped: (WO-0\d), (WO-0\d), (WO-0\d) all failed with the same first diagnostic \(NU1101: Unable to find package Contoso\.Missing");
        Assert.IsTrue(systemic.Success, stderr);
        StringAssert.Contains(stderr, "probably the environment");
        StringAssert.Contains(stdout, "WO-05 BLOCKED: E233 WO-05 was not run: E232");
        Assert.IsFalse(server.Requests.Any(r => IdOf(r) == "WO-05"), "nothing is asked for work that was not started");
        Assert.IsLessThanOrEqualTo(4, server.RequestCount);
    }

    [TestMethod]
    public async Task The_failed_attempt_limit_stops_the_run_before_the_next_call()
    {
        using var repo = RepoWith("""{ "roles": { "executor": { "attempts": 6 } } }""", ("WO-01", WorkOrderFiles.InDag("WO-01", "src/a.txt", [])));
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = r => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("src/a.txt", Empty, $"bye {r.Number}\n")));

        var (exit, stdout, stderr) = await Llmc(Run(repo, server, Key(), "--max-failed-attempts", "2"));

        Assert.AreNotEqual(0, exit);
        Assert.AreEqual(2, server.RequestCount, "the third call is never sent");
        StringAssert.Contains(stderr, "error E229: the run stopped: 2 attempts failed");
    }

    [TestMethod]
    public async Task A_broken_llmc_json_is_a_positioned_error_and_nothing_is_asked()
    {
        using var repo = RepoWith("{\n  \"roles\": {\n    \"exeutor\": { \"model\": \"cheap\" }\n  }\n}\n", ("WO-01", WorkOrderFiles.InDag("WO-01", "src/a.txt", [])));
        await using var server = await LoopbackLlmServer.StartAsync();

        var (exit, _, stderr) = await Llmc(Run(repo, server, Key()));

        Assert.AreNotEqual(0, exit);
        Assert.AreEqual(0, server.RequestCount);
        StringAssert.Contains(stderr, $"{repo.PathOf("llmc.json")}(3,5): error E227: llmc.json: unknown role 'exeutor' (did you mean 'executor'?)");
    }

    [TestMethod]
    public async Task A_roles_own_key_never_reaches_model_written_commands_or_the_artifacts_even_when_passed_on_purpose()
    {
        var roleKey = InProcessLlmc.CanaryKey("LLMC_ROLE_KEY_");
        var secret = Environment.GetEnvironmentVariable(roleKey)!;
        // The acceptance command (the model's side of the contract) fails if it can see the role's key.
        var wo = WorkOrderFiles.InDag("WO-01", "src/a.txt", [], acceptance: $"sh -c 'grep -q hello src/a.txt && test -z \"${roleKey}\"'");
        using var repo = RepoWith($$"""{ "roles": { "executor": { "model": "cheap", "api_key_env": "{{roleKey}}" } } }""", ("WO-01", wo));
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = r => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("src/a.txt", Empty, "hello\n")));

        var (exit, stdout, stderr) = await Llmc(Run(repo, server, Key(), "--pass-env", roleKey));

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual($"Bearer {secret}", server.Requests.Single().Authorization, "the executor's call uses its own key");
        foreach (var file in Directory.GetFiles(repo.PathOf(".llmc"), "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(secret, File.ReadAllText(file), file);
        }
        Assert.DoesNotContain(secret, stdout + stderr);
    }
}
