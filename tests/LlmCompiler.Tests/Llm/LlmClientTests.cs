using System.Diagnostics;
using System.Text.Json.Nodes;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Llm;

/// <summary>The real OpenAI SDK against the loopback server: normal calls and every fault.</summary>
[TestClass]
public sealed class LlmClientTests
{
    [TestMethod]
    public async Task Normal_call_returns_text_usage_and_cost_and_sends_the_request_as_settled()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Environment[LlmTestContext.KeyVariable] = "sk-test-normal-call-key";
        context.Server.Enqueue(ScriptedResponse.Completion("{\"hello\": \"world\"}", promptTokens: 1000, completionTokens: 200));
        var session = context.Session(context.Settings() with { Temperature = 0.2f, MaxOutputTokens = 777 });

        var result = await session.CompleteAsync(LlmTestContext.Request("Greet me."), CancellationToken.None);

        Assert.IsTrue(result.Success, result.Error?.Message);
        var response = result.Response!;
        Assert.AreEqual("{\"hello\": \"world\"}", response.Text);
        Assert.AreEqual("stop", response.FinishReason);
        Assert.AreEqual("gpt-4o-mini", response.Model);
        Assert.AreEqual(1000, response.InputTokens);
        Assert.AreEqual(200, response.OutputTokens);
        Assert.AreEqual(((1000 * 0.15m) + (200 * 0.60m)) / 1_000_000m, response.CostUsd);
        Assert.IsFalse(response.FromCassette);
        Assert.AreEqual(64, response.CassetteKey.Length);

        var request = context.Server.Requests.Single();
        Assert.AreEqual("/v1/chat/completions", request.Path);
        Assert.AreEqual("Bearer sk-test-normal-call-key", request.Authorization);
        var body = request.Json!;
        Assert.AreEqual("gpt-4o-mini", (string?)body["model"]);
        Assert.AreEqual(0.2, (double)body["temperature"]!, 1e-6);
        Assert.AreEqual(777, (int?)(body["max_completion_tokens"] ?? body["max_tokens"]));
        Assert.IsNull(body["response_format"]);
        CollectionAssert.AreEqual(new[] { "You answer with one JSON object.", "Greet me." }, request.MessageContents.ToArray());
        Assert.AreEqual("system", (string?)body["messages"]![0]!["role"]);

        Assert.AreEqual(1, session.Calls);
        Assert.AreEqual(0, session.CassetteHits);
        Assert.AreEqual(1000, session.InputTokens);
        Assert.AreEqual(200, session.OutputTokens);
        Assert.AreEqual(response.CostUsd, session.CostUsd);
        Assert.AreEqual(response.CostUsd, session.LiveCostUsd);
    }

    [TestMethod]
    public async Task Json_schema_is_sent_as_strict_response_format_unless_structured_output_is_off()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{}"), ScriptedResponse.Completion("{}"));
        var request = LlmTestContext.Request() with
        {
            JsonSchemaName = "plan",
            JsonSchema = "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
        };

        Assert.IsTrue((await context.Session(context.Settings()).CompleteAsync(request, CancellationToken.None)).Success);
        Assert.IsTrue((await context.Session(context.Settings() with { StructuredOutput = false }).CompleteAsync(request, CancellationToken.None)).Success);

        var format = context.Server.Requests[0].Json!["response_format"]!;
        Assert.AreEqual("json_schema", (string?)format["type"]);
        Assert.AreEqual("plan", (string?)format["json_schema"]!["name"]);
        Assert.IsTrue((bool)format["json_schema"]!["strict"]!);
        Assert.AreEqual("object", (string?)format["json_schema"]!["schema"]!["type"]);
        Assert.IsNull(context.Server.Requests[1].Json!["response_format"]);
    }

    [TestMethod]
    public async Task Service_unavailable_then_success_is_retried_once()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Error(503), ScriptedResponse.Completion("{\"ok\": true}"));
        var session = context.Session(context.Settings());

        var result = await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        Assert.IsTrue(result.Success, result.Error?.Message);
        Assert.AreEqual(2, context.Server.RequestCount);
        StringAssert.Contains(context.LedgerLines().Single(), "\"attempts\":2");
    }

    [TestMethod]
    public async Task Server_error_persisting_fails_with_E301_after_max_retries_plus_one_attempts()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Error(500, "the model is overloaded");
        var session = context.Session(context.Settings() with { MaxRetries = 2 });

        var error = LlmTestContext.Error(await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E301");

        Assert.AreEqual(3, context.Server.RequestCount);
        StringAssert.Contains(error.Message, "HTTP 500");
        StringAssert.Contains(error.Message, "3 attempt(s)");
        StringAssert.Contains(error.Message, "req_loopback_3");
        StringAssert.Contains(error.Message, "the model is overloaded");
        StringAssert.Contains(context.LedgerLines().Single(), "\"outcome\":\"E301\"");
    }

    [TestMethod]
    public async Task Max_retries_zero_makes_exactly_one_attempt()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Error(502);
        var session = context.Session(context.Settings() with { MaxRetries = 0 });

        LlmTestContext.Error(await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E301");

        Assert.AreEqual(1, context.Server.RequestCount);
    }

    [TestMethod]
    public async Task Rate_limited_with_retry_after_under_the_cap_waits_then_succeeds()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.RateLimited(retryAfterSeconds: 1), ScriptedResponse.Completion("{}"));
        var session = context.Session(context.Settings() with { RetryAfterCap = TimeSpan.FromSeconds(5) });

        var watch = Stopwatch.StartNew();
        var result = await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None);
        watch.Stop();

        Assert.IsTrue(result.Success, result.Error?.Message);
        Assert.AreEqual(2, context.Server.RequestCount);

        // A lower bound only: the server's Retry-After was honoured (back-off alone is 10 ms here).
        Assert.IsTrue(watch.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {watch.Elapsed}");
    }

    [TestMethod]
    public async Task Rate_limited_with_retry_after_over_the_cap_fails_fast_without_waiting()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.RateLimited(retryAfterSeconds: 3600);
        var session = context.Session(context.Settings() with { RetryAfterCap = TimeSpan.FromSeconds(60) });

        var error = LlmTestContext.Error(await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E301");

        Assert.AreEqual(1, context.Server.RequestCount, "a Retry-After over the cap must not be retried");
        StringAssert.Contains(error.Message, "HTTP 429");
        StringAssert.Contains(error.Message, "rate limited until");
        StringAssert.Contains(error.Message, "60 s cap");
    }

    [TestMethod]
    public async Task Stall_hits_the_network_timeout_on_every_attempt_then_E301()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Stall();
        var session = context.Session(context.Settings() with { NetworkTimeout = TimeSpan.FromMilliseconds(300), MaxRetries = 1 });

        var error = LlmTestContext.Error(await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E301");

        Assert.AreEqual(2, context.Server.RequestCount);
        StringAssert.Contains(error.Message, "network timeout");
        StringAssert.Contains(error.Message, "2 attempt(s)");
    }

    [TestMethod]
    public async Task Stall_longer_than_the_call_deadline_is_E308()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Stall();
        var session = context.Session(context.Settings() with { CallDeadline = TimeSpan.FromMilliseconds(400) });

        var error = LlmTestContext.Error(await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E308");

        StringAssert.Contains(error.Message, "deadline");
        Assert.AreEqual(1, context.Server.RequestCount);
    }

    [TestMethod]
    public async Task Caller_cancellation_is_thrown_not_reported_as_a_diagnostic()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Stall();
        var session = context.Session(context.Settings());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAsync<OperationCanceledException>(() => session.CompleteAsync(LlmTestContext.Request(), cancel.Token));

        Assert.AreEqual(1, context.Server.RequestCount, "cancellation by the caller is never retried");
    }

    [TestMethod]
    public async Task Already_cancelled_token_sends_nothing()
    {
        await using var context = await LlmTestContext.StartAsync();
        var session = context.Session(context.Settings());

        await Assert.ThrowsAsync<OperationCanceledException>(() => session.CompleteAsync(LlmTestContext.Request(), new CancellationToken(canceled: true)));

        Assert.AreEqual(0, context.Server.RequestCount);
    }

    [TestMethod]
    public async Task Finish_reason_length_is_E302()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Truncated("{\"work_orders\": [", completionTokens: 1000));
        var session = context.Session(context.Settings());

        var error = LlmTestContext.Error(await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E302");

        StringAssert.Contains(error.Message, "1000 output tokens");
        Assert.AreEqual(1000, session.OutputTokens, "a truncated answer is still paid for");
        StringAssert.Contains(context.LedgerLines().Single(), "\"finish_reason\":\"length\"");
    }

    [TestMethod]
    public async Task Refusal_is_E304_with_the_refusal_text()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Refusal("I can't help with that."));

        var error = LlmTestContext.Error(await context.Session(context.Settings()).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E304");

        StringAssert.Contains(error.Message, "I can't help with that.");
    }

    [TestMethod]
    public async Task Content_filter_is_E304()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("", finishReason: "content_filter"));

        LlmTestContext.Error(await context.Session(context.Settings()).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E304");
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("   \n ")]
    public async Task Empty_content_is_E303(string content)
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion(content));

        var error = LlmTestContext.Error(await context.Session(context.Settings()).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E303");

        StringAssert.Contains(error.Message, "empty");
    }

    [TestMethod]
    [DataRow("{\"choices\": [ this is not json")]
    [DataRow("<html>gateway</html>")]
    public async Task Malformed_response_body_is_E303_not_an_exception(string body)
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.RawBody(body));

        var error = LlmTestContext.Error(await context.Session(context.Settings()).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E303");

        StringAssert.Contains(error.Message, "not a chat completion");
    }

    [TestMethod]
    public async Task Connection_cut_mid_body_is_retried_then_E301()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.CutConnection();
        var session = context.Session(context.Settings() with { MaxRetries = 1 });

        LlmTestContext.Error(await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E301");

        Assert.AreEqual(2, context.Server.RequestCount);
    }

    [TestMethod]
    public async Task Connection_cut_once_then_success()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.CutConnection(), ScriptedResponse.Completion("{\"second\": true}"));

        var result = await context.Session(context.Settings()).CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        Assert.AreEqual("{\"second\": true}", result.Response?.Text, result.Error?.Message);
    }

    [TestMethod]
    [DataRow(400, "rejected as invalid")]
    [DataRow(401, "authentication failed")]
    [DataRow(403, "access denied")]
    [DataRow(404, "not found")]
    public async Task Client_errors_are_not_retried_and_name_status_and_request_id(int status, string expected)
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Error(status, "scripted " + status);

        var error = LlmTestContext.Error(await context.Session(context.Settings()).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E301");

        Assert.AreEqual(1, context.Server.RequestCount);
        StringAssert.Contains(error.Message, $"HTTP {status}");
        StringAssert.Contains(error.Message, expected);
        StringAssert.Contains(error.Message, "req_loopback_1");
    }

    [TestMethod]
    public async Task Response_over_ten_MiB_is_E307()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion(new string('x', (10 * 1024 * 1024) + 10)));

        LlmTestContext.Error(await context.Session(context.Settings()).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E307");
    }

    [TestMethod]
    public async Task Missing_key_for_a_public_endpoint_is_E300_and_nothing_is_sent()
    {
        await using var context = await LlmTestContext.StartAsync();
        var session = context.Session(context.Settings() with { Endpoint = new Uri("https://api.openai.com/v1") });

        var error = LlmTestContext.Error(await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E300");

        StringAssert.Contains(error.Message, LlmTestContext.KeyVariable);
        Assert.AreEqual(0, session.Calls);
        Assert.AreEqual(0, context.LedgerLines().Length);
    }

    [TestMethod]
    public async Task Missing_key_for_a_loopback_endpoint_works_with_a_placeholder()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{}"));

        var result = await context.Session(context.Settings()).CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        Assert.IsTrue(result.Success, result.Error?.Message);
        Assert.AreEqual("Bearer no-key", context.Server.Requests.Single().Authorization);
    }

    [TestMethod]
    public async Task Key_is_read_at_call_time_not_at_session_creation()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{}"), ScriptedResponse.Completion("{}"));
        var session = context.Session(context.Settings());

        context.Environment[LlmTestContext.KeyVariable] = "sk-first-key-0001";
        await session.CompleteAsync(LlmTestContext.Request("one"), CancellationToken.None);
        context.Environment[LlmTestContext.KeyVariable] = "sk-second-key-0002";
        await session.CompleteAsync(LlmTestContext.Request("two"), CancellationToken.None);

        Assert.AreEqual("Bearer sk-first-key-0001", context.Server.Requests[0].Authorization);
        Assert.AreEqual("Bearer sk-second-key-0002", context.Server.Requests[1].Authorization);
    }

    [TestMethod]
    public async Task Endpoint_from_llmc_endpoint_variable_is_used_when_none_is_set()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{}"));
        context.Environment[LlmSettings.EndpointVariable] = context.Server.BaseUrl.ToString();
        context.Environment[LlmSettings.OpenAiBaseUrlVariable] = "http://10.255.255.1:9/v1";

        var result = await context.Session(context.Settings() with { Endpoint = null }).CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        Assert.IsTrue(result.Success, result.Error?.Message);
        Assert.AreEqual(1, context.Server.RequestCount);
    }

    [TestMethod]
    public async Task Server_without_usage_is_charged_by_estimate()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.CompletionWithoutUsage(new string('a', 400)));
        var session = context.Session(context.Settings());

        var response = (await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None)).Response!;

        Assert.AreEqual(100, response.OutputTokens);
        Assert.IsTrue(response.InputTokens > 0);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("tool")]
    public async Task Bad_message_role_is_E500_and_nothing_is_sent(string role)
    {
        await using var context = await LlmTestContext.StartAsync();
        var request = new LlmRequest("planner", [new LlmMessage(role, "hi")]);

        LlmTestContext.Error(await context.Session(context.Settings()).CompleteAsync(request, CancellationToken.None), "E500");

        Assert.AreEqual(0, context.Server.RequestCount);
    }

    [TestMethod]
    public async Task Parallel_calls_are_all_served_and_counted()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Completion("{}", promptTokens: 10, completionTokens: 1);
        var session = context.Session(context.Settings());

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => session.CompleteAsync(LlmTestContext.Request($"call {i}"), CancellationToken.None)));

        Assert.IsTrue(results.All(r => r.Success));
        Assert.AreEqual(8, session.Calls);
        Assert.AreEqual(80, session.InputTokens);
        Assert.AreEqual(8, context.LedgerLines().Length);
        Assert.IsTrue(context.LedgerLines().All(l => JsonNode.Parse(l) is JsonObject));
    }
}
