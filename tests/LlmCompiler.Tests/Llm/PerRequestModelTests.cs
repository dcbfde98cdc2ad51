using System.Text.Json.Nodes;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Llm;

/// <summary>
/// The model chosen per request (the seam for model tiers): one session, one budget, ledger and cassette store, and
/// each call sent, keyed, priced and budgeted under its own model.
/// </summary>
[TestClass]
public sealed class PerRequestModelTests
{
    [TestMethod]
    public async Task A_request_for_another_model_is_sent_keyed_priced_and_ledgered_under_that_model()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Responder = _ => ScriptedResponse.Completion("{}", promptTokens: 1000, completionTokens: 100);
        var session = context.Session(context.Settings(LlmMode.Record));

        var cheap = await session.CompleteAsync(LlmTestContext.Request("Same prompt."), CancellationToken.None);
        var strong = await session.CompleteAsync(LlmTestContext.Request("Same prompt.") with { Model = "gpt-4.1", Temperature = 0.5f, MaxOutputTokens = 321 }, CancellationToken.None);

        Assert.IsTrue(cheap.Success && strong.Success, cheap.Error?.Message ?? strong.Error?.Message);
        var bodies = context.Server.Requests.Select(r => r.Json!).ToList();
        Assert.AreEqual("gpt-4o-mini", (string?)bodies[0]["model"], "the session's default");
        Assert.AreEqual("gpt-4.1", (string?)bodies[1]["model"], "the loopback server saw the request's model");
        Assert.AreEqual(0.5, (double)bodies[1]["temperature"]!, 1e-6);
        Assert.AreEqual(321, (int?)(bodies[1]["max_completion_tokens"] ?? bodies[1]["max_tokens"]));
        Assert.AreEqual(((1000 * 0.15m) + (100 * 0.60m)) / 1_000_000m, cheap.Response!.CostUsd);
        Assert.AreEqual(((1000 * 2.00m) + (100 * 8.00m)) / 1_000_000m, strong.Response!.CostUsd, "priced as gpt-4.1");
        Assert.AreNotEqual(cheap.Response.CassetteKey, strong.Response.CassetteKey, "the same prompt for another model is another cassette");
        Assert.HasCount(2, context.CassetteFiles());
        var ledger = context.LedgerLines().Select(l => JsonNode.Parse(l)!).ToList();
        CollectionAssert.AreEqual(new[] { "gpt-4o-mini", "gpt-4.1" }, ledger.Select(l => (string?)l["model"]).ToArray());
        Assert.AreEqual(cheap.Response.CostUsd + strong.Response.CostUsd, session.CostUsd, "one session total across models");

        // Replayed from the same store, each under its own model.
        var replay = context.Session(context.Settings(LlmMode.Replay));
        var again = await replay.CompleteAsync(LlmTestContext.Request("Same prompt.") with { Model = "gpt-4.1", Temperature = 0.5f, MaxOutputTokens = 321 }, CancellationToken.None);
        Assert.IsTrue(again.Response!.FromCassette);
        Assert.AreEqual(strong.Response.CostUsd, again.Response.CostUsd);
    }

    [TestMethod]
    public async Task The_budget_is_shared_across_models_and_judged_at_the_price_of_the_model_asked_for()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Responder = _ => ScriptedResponse.Completion("{}", promptTokens: 10, completionTokens: 10);
        // 1,000 max output tokens: at most $0.0006 for gpt-4o-mini, $0.008 for gpt-4.1.
        var session = context.Session(context.Settings() with { MaxCostUsd = 0.002m });

        var cheap = await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None);
        var strong = await session.CompleteAsync(LlmTestContext.Request() with { Model = "gpt-4.1" }, CancellationToken.None);
        var unpriced = await session.CompleteAsync(LlmTestContext.Request() with { Model = "my-azure-deployment" }, CancellationToken.None);

        Assert.IsTrue(cheap.Success, cheap.Error?.Message);
        Assert.AreEqual("E306", strong.Error!.Code);
        StringAssert.Contains(strong.Error.Message, "gpt-4.1");
        Assert.AreEqual("E306", unpriced.Error!.Code);
        StringAssert.Contains(unpriced.Error.Message, "'my-azure-deployment'");
        Assert.HasCount(1, context.Server.Requests, "refused calls are never sent");
    }

    [TestMethod]
    [DataRow("", null, null, "Model")]
    [DataRow(null, 3.5f, null, "Temperature")]
    [DataRow(null, null, 0, "MaxOutputTokens")]
    public async Task A_bad_per_request_setting_is_E500_naming_it_and_nothing_is_sent(string? model, float? temperature, int? maxTokens, string field)
    {
        await using var context = await LlmTestContext.StartAsync();
        var session = context.Session(context.Settings());

        var result = await session.CompleteAsync(LlmTestContext.Request() with { Model = model, Temperature = temperature, MaxOutputTokens = maxTokens }, CancellationToken.None);

        Assert.AreEqual("E500", result.Error!.Code);
        Assert.AreEqual(field, result.Error.Field);
        Assert.IsEmpty(context.Server.Requests);
    }
}
