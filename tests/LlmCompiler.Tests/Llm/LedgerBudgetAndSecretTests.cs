using System.Text.Json.Nodes;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Llm;

[TestClass]
public sealed class LedgerTests
{
    [TestMethod]
    public async Task Every_call_live_or_replayed_appends_one_line()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{}", promptTokens: 2000, completionTokens: 500));
        var session = context.Session(context.Settings(LlmMode.Auto));

        await session.CompleteAsync(LlmTestContext.Request(purpose: "planner"), CancellationToken.None);
        context.Time.Now = context.Time.Now.AddMinutes(1);
        await session.CompleteAsync(LlmTestContext.Request(purpose: "planner"), CancellationToken.None);

        var lines = context.LedgerLines().Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.AreEqual(2, lines.Length);
        var live = lines[0];
        Assert.AreEqual("2026-01-02T03:04:05.000Z", (string?)live["timestamp"]);
        Assert.AreEqual("planner", (string?)live["purpose"]);
        Assert.AreEqual("gpt-4o-mini", (string?)live["model"]);
        Assert.AreEqual("live", (string?)live["source"]);
        Assert.AreEqual("ok", (string?)live["outcome"]);
        Assert.AreEqual(2000, (int?)live["input_tokens"]);
        Assert.AreEqual(500, (int?)live["output_tokens"]);
        Assert.AreEqual(((2000 * 0.15m) + (500 * 0.60m)) / 1_000_000m, (decimal?)live["cost_usd"]);
        Assert.IsTrue((bool)live["price_known"]!);
        Assert.AreEqual(1, (int?)live["attempts"]);
        Assert.AreEqual(session.CassetteKeys[0], (string?)live["cassette_key"]);
        Assert.IsTrue((double)live["latency_ms"]! >= 0);

        var replayed = lines[1];
        Assert.AreEqual("2026-01-02T03:05:05.000Z", (string?)replayed["timestamp"]);
        Assert.AreEqual("cassette", (string?)replayed["source"]);
        Assert.AreEqual(2000, (int?)replayed["input_tokens"]);
        Assert.AreEqual((decimal?)live["cost_usd"], (decimal?)replayed["cost_usd"]);
        Assert.AreEqual(0, (int?)replayed["attempts"]);
    }

    [TestMethod]
    public async Task Unknown_model_costs_nothing_and_is_marked_price_unknown()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{}"));
        var session = context.Session(context.Settings() with { Model = "llama3.1:8b" });

        var response = (await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None)).Response!;

        Assert.AreEqual(0m, response.CostUsd);
        Assert.IsFalse((bool)JsonNode.Parse(context.LedgerLines().Single())!["price_known"]!);
    }

    [TestMethod]
    public async Task Price_table_file_overrides_and_extends_the_defaults()
    {
        await using var context = await LlmTestContext.StartAsync();
        var prices = Path.Combine(context.Root, "prices.json");
        File.WriteAllText(prices, "{\"models\": {\"gpt-4o-mini\": {\"input_per_million\": 1, \"output_per_million\": 2}, \"local\": {\"input_per_million\": 0.5, \"output_per_million\": 0.5}}}");

        var (table, error) = PriceTable.Load(prices);

        Assert.IsNull(error);
        Assert.IsTrue(table!.TryGetPrice("gpt-4o-mini", out var mini));
        Assert.AreEqual(new ModelPrice(1, 2), mini);
        Assert.IsTrue(table.TryGetPrice("local", out _));
        Assert.IsTrue(table.TryGetPrice("gpt-4o", out var kept));
        Assert.AreEqual(new ModelPrice(2.50m, 10.00m), kept);
    }

    [TestMethod]
    [DataRow("{\"models\": {\"x\": {\"input_per_million\": 1,}}}", 1)]
    [DataRow("{\n\"models\": {\n\"x\": 3\n}\n}", 0)]
    [DataRow("{\"models\": {\"x\": {\"input_per_million\": -1, \"output_per_million\": 1}}}", 0)]
    [DataRow("[]", 0)]
    public async Task Bad_price_table_is_E309_and_the_session_is_not_created(string content, int expectedLine)
    {
        await using var context = await LlmTestContext.StartAsync();
        var prices = Path.Combine(context.Root, "prices.json");
        File.WriteAllText(prices, content);

        var (session, errors) = LlmSession.Create(context.Settings() with { PriceTablePath = prices });

        Assert.IsNull(session);
        Assert.AreEqual("E309", errors.Single().Code);
        Assert.AreEqual(prices, errors.Single().File);
        Assert.AreEqual(expectedLine, errors.Single().Line);
    }

    [TestMethod]
    [DataRow("gpt-4o-2024-08-06", 2.50)]
    [DataRow("gpt-4o-mini-2024-07-18", 0.15)]
    [DataRow("gpt-4.1-mini", 0.40)]
    [DataRow("GPT-5", 1.25)]
    public void Built_in_prices_match_snapshots_to_their_family(string model, double inputPerMillion)
    {
        Assert.IsTrue(PriceTable.BuiltIn.TryGetPrice(model, out var price));
        Assert.AreEqual((decimal)inputPerMillion, price.InputPerMillion);
    }

    [TestMethod]
    [DataRow("gpt-4o-turbo")]
    [DataRow("gpt-4")]
    [DataRow("qwen2.5-coder")]
    public void Built_in_prices_do_not_guess_unknown_models(string model) =>
        Assert.IsFalse(PriceTable.BuiltIn.TryGetPrice(model, out _));
}

[TestClass]
public sealed class BudgetTests
{
    [TestMethod]
    public async Task Token_budget_stops_before_sending_when_the_worst_case_could_exceed_it()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Completion("{}");
        var session = context.Session(context.Settings(LlmMode.Auto) with { MaxOutputTokens = 1000, MaxTokens = 999 });

        var error = LlmTestContext.Error(await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E306");

        StringAssert.Contains(error.Message, "not sent");
        Assert.AreEqual(0, context.Server.RequestCount);
        Assert.AreEqual(0, context.LedgerLines().Length);
        Assert.AreEqual(0, context.CassetteFiles().Length);
        Assert.AreEqual(0, session.Calls);
    }

    [TestMethod]
    public async Task Cost_budget_lets_calls_through_until_the_next_worst_case_would_exceed_it()
    {
        await using var context = await LlmTestContext.StartAsync();
        // gpt-4o: $2.50 / $10 per 1M. Worst case per call ≈ 1000 output tokens = $0.01 (+ a tiny prompt).
        context.Server.Fallback = ScriptedResponse.Completion("{}", promptTokens: 1000, completionTokens: 1000);
        var session = context.Session(context.Settings() with { Model = "gpt-4o", MaxOutputTokens = 1000, MaxCostUsd = 0.025m });

        var first = await session.CompleteAsync(LlmTestContext.Request("one"), CancellationToken.None);
        var second = await session.CompleteAsync(LlmTestContext.Request("two"), CancellationToken.None);
        var third = await session.CompleteAsync(LlmTestContext.Request("three"), CancellationToken.None);

        Assert.IsTrue(first.Success && second.Success, first.Error?.Message ?? second.Error?.Message);
        var error = LlmTestContext.Error(third, "E306");
        StringAssert.Contains(error.Message, "$0.025");
        Assert.AreEqual(2, context.Server.RequestCount);
        Assert.AreEqual(0.025m, session.LiveCostUsd);
        Assert.AreEqual(2, context.LedgerLines().Length);
    }

    [TestMethod]
    public async Task Parallel_calls_share_the_budget_through_reservations()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Completion("{}", promptTokens: 10, completionTokens: 10) with { Delay = TimeSpan.FromMilliseconds(200) };
        var session = context.Session(context.Settings() with { MaxOutputTokens = 100, MaxTokens = 350 });

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => session.CompleteAsync(LlmTestContext.Request($"c{i}"), CancellationToken.None)));

        // Each call reserves ~111 tokens (prompt estimate + 100) while in flight, so at most three can be in flight at once.
        Assert.AreEqual(3, results.Count(r => r.Success));
        Assert.AreEqual(3, results.Count(r => r.Error?.Code == "E306"));
        Assert.AreEqual(3, context.Server.RequestCount);
    }

    [TestMethod]
    public async Task Sessions_sharing_a_budget_file_together_stay_within_it()
    {
        // Two sessions stand for two MSBuild nodes of one run: each alone would allow three calls, together only three.
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Completion("{}", promptTokens: 10, completionTokens: 10) with { Delay = TimeSpan.FromMilliseconds(200) };
        var shared = Path.Combine(context.Root, "budgets", "run-1.json");
        var settings = context.Settings() with { MaxOutputTokens = 100, MaxTokens = 350, SharedBudgetFile = shared };
        var nodeA = context.Session(settings);
        var nodeB = context.Session(settings);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? nodeA : nodeB).CompleteAsync(LlmTestContext.Request($"c{i}"), CancellationToken.None)));

        Assert.AreEqual(3, context.Server.RequestCount, "each call reserves ~111 tokens; 350 allow three in flight across both sessions");
        Assert.AreEqual(3, results.Count(r => r.Success));
        Assert.AreEqual(3, results.Count(r => r.Error?.Code == "E306"));
        StringAssert.Contains(results.First(r => !r.Success).Error!.Message, "by the run's work orders together");

        // Afterwards the reservations are gone and what was spent stays counted: 3 × 20 tokens of 350.
        var totals = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(shared))!;
        Assert.AreEqual(60, totals["spent_tokens"]!.GetValue<long>());
        Assert.AreEqual(0, totals["reserved_tokens"]!.GetValue<long>());
        var later = await context.Session(settings).CompleteAsync(LlmTestContext.Request("later"), CancellationToken.None);
        Assert.IsTrue(later.Success, "a third session sees the run's spending, not its own zero: 60 + 111 ≤ 350");
    }

    [TestMethod]
    public async Task A_shared_budget_that_cannot_be_read_stops_the_call_instead_of_letting_it_through()
    {
        await using var context = await LlmTestContext.StartAsync();
        var shared = Path.Combine(context.Root, "budgets", "run-1.json");
        Directory.CreateDirectory(Path.GetDirectoryName(shared)!);
        File.WriteAllText(shared, "not json");
        var session = context.Session(context.Settings() with { MaxTokens = 100_000, SharedBudgetFile = shared });

        var result = await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        StringAssert.Contains(LlmTestContext.Error(result, "E306").Message, "shared budget cannot be read");
        Assert.AreEqual(0, context.Server.RequestCount);
    }

    [TestMethod]
    public async Task Replays_are_not_stopped_by_the_budget_but_report_their_recorded_cost()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{}", promptTokens: 1000, completionTokens: 1000));
        await context.Session(context.Settings(LlmMode.Record)).CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        var session = context.Session(context.Settings(LlmMode.Replay) with { MaxCostUsd = 0m, MaxTokens = 0 });
        var result = await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        Assert.IsTrue(result.Success, result.Error?.Message);
        Assert.IsTrue(session.CostUsd > 0);
        Assert.AreEqual(0m, session.LiveCostUsd);
        Assert.AreEqual(2000, session.InputTokens + session.OutputTokens);
    }
}

[TestClass]
public sealed class SecretTests
{
    [TestMethod]
    public async Task Planted_key_never_appears_in_any_file_written_or_any_diagnostic()
    {
        // The real process environment, under a variable name no other test uses.
        var variable = "LLMC_SECRET_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var canary = "sk-CANARY-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, canary);
        try
        {
            await using var context = await LlmTestContext.StartAsync();
            context.Server.Enqueue(
                ScriptedResponse.Completion("{\"ok\": true}"),
                ScriptedResponse.Truncated("{\"cut"),
                ScriptedResponse.Refusal("no"),
                ScriptedResponse.Error(401, $"Incorrect API key provided: {canary}"),
                ScriptedResponse.Error(400, $"Bad request. Authorization: Bearer {canary}"),
                ScriptedResponse.RawBody("{ broken"));
            var settings = context.Settings(LlmMode.Record) with { ApiKeyEnvironmentVariable = variable, MaxRetries = 0 };
            var (session, errors) = LlmSession.Create(settings, context.Time);
            Assert.IsNotNull(session, string.Join("; ", errors));

            var messages = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                var result = await session.CompleteAsync(LlmTestContext.Request($"call {i}"), CancellationToken.None);
                messages.Add(result.Error?.ToString() ?? result.Response!.Text);
            }

            // The key was really used...
            Assert.IsTrue(context.Server.Requests.All(r => r.Authorization == "Bearer " + canary));
            Assert.AreEqual(6, context.Server.RequestCount);
            Assert.IsTrue(context.CassetteFiles().Length >= 3);
            Assert.AreEqual(6, context.LedgerLines().Length);

            // ...and is nowhere else.
            foreach (var file in Directory.EnumerateFiles(context.Root, "*", SearchOption.AllDirectories))
            {
                Assert.IsFalse(File.ReadAllText(file).Contains(canary, StringComparison.Ordinal), $"key leaked into {file}");
                Assert.IsFalse(File.ReadAllText(file).Contains("CANARY", StringComparison.Ordinal), $"key fragment leaked into {file}");
            }

            foreach (var message in messages)
            {
                Assert.IsFalse(message.Contains("CANARY", StringComparison.Ordinal), $"key leaked into: {message}");
            }

            StringAssert.Contains(messages[3], "[REDACTED]");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [TestMethod]
    public async Task Prompt_containing_the_key_is_not_recorded()
    {
        await using var context = await LlmTestContext.StartAsync();
        var canary = "sk-CANARY-" + Guid.NewGuid().ToString("N");
        context.Environment[LlmTestContext.KeyVariable] = canary;
        context.Server.Enqueue(ScriptedResponse.Completion("{}"));

        var result = await context.Session(context.Settings(LlmMode.Record)).CompleteAsync(LlmTestContext.Request($"my key is {canary}"), CancellationToken.None);

        Assert.IsTrue(result.Success, "the answer is still used");
        Assert.AreEqual(0, context.CassetteFiles().Length);
        Assert.AreEqual("", (string?)JsonNode.Parse(context.LedgerLines().Single())!["cassette_key"]);
    }
}

[TestClass]
public sealed class RecordingFailureTests
{
    [TestMethod]
    public async Task Unwritable_ledger_is_E500_before_any_paid_call()
    {
        await using var context = await LlmTestContext.StartAsync();
        Directory.CreateDirectory(context.LedgerPath); // a folder where the ledger file should be

        var (session, errors) = LlmSession.Create(context.Settings());

        Assert.IsNull(session);
        Assert.AreEqual("E500", errors.Single().Code);
        Assert.AreEqual(nameof(LlmSettings.LedgerPath), errors.Single().Field);
        Assert.AreEqual(0, context.Server.RequestCount);
    }

    [TestMethod]
    public async Task Cassette_that_cannot_be_saved_keeps_the_answer_and_reports_a_recording_error()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{\"kept\": true}"));
        var session = context.Session(context.Settings(LlmMode.Record));
        var key = CanonicalRequest.From(session.Settings, LlmTestContext.Request()).ComputeKey();
        Directory.CreateDirectory(new CassetteStore(context.CassettesDirectory).PathFor("planner", key)); // blocks the file

        var result = await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        Assert.AreEqual("{\"kept\": true}", result.Response?.Text, result.Error?.Message);
        Assert.AreEqual("E309", session.RecordingErrors.Single().Code);
        StringAssert.Contains(session.RecordingErrors.Single().Message, "could not be recorded");
        Assert.AreEqual(0, Directory.GetFiles(context.CassettesDirectory, "*.tmp").Length, "no temporary file is left behind");
    }
}
