using System.Text;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Llm;

[TestClass]
public sealed class CassetteTests
{
    [TestMethod]
    public async Task Record_then_replay_with_the_server_stopped_gives_the_same_answer_and_totals()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{\"plan\": 1}", promptTokens: 1234, completionTokens: 56));
        var recorder = context.Session(context.Settings(LlmMode.Record));
        var recorded = (await recorder.CompleteAsync(LlmTestContext.Request(), CancellationToken.None)).Response!;
        await context.Server.StopAsync();

        var replayer = context.Session(context.Settings(LlmMode.Replay));
        var replayed = await replayer.CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        Assert.IsTrue(replayed.Success, replayed.Error?.Message);
        var response = replayed.Response!;
        Assert.IsTrue(response.FromCassette);
        Assert.AreEqual(recorded.Text, response.Text);
        Assert.AreEqual(recorded.CassetteKey, response.CassetteKey);
        Assert.AreEqual(1234, response.InputTokens);
        Assert.AreEqual(56, response.OutputTokens);
        Assert.AreEqual(recorded.CostUsd, response.CostUsd);
        Assert.AreEqual(recorder.CostUsd, replayer.CostUsd, "a replayed run reports what the recorded run cost");
        Assert.AreEqual(0m, replayer.LiveCostUsd);
        Assert.AreEqual(1, replayer.CassetteHits);
        CollectionAssert.AreEqual(recorder.CassetteKeys.ToArray(), replayer.CassetteKeys.ToArray());
        Assert.AreEqual(1, context.Server.RequestCount);
    }

    [TestMethod]
    public async Task Replay_needs_no_key_and_no_endpoint()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{}"));
        await context.Session(context.Settings(LlmMode.Record)).CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        var settings = context.Settings(LlmMode.Replay) with { Endpoint = new Uri("https://api.openai.com/v1") };
        var result = await context.Session(settings).CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        Assert.IsTrue(result.Success, result.Error?.Message);
    }

    [TestMethod]
    public async Task Auto_records_on_miss_and_replays_on_hit()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{\"first\": true}"));
        var session = context.Session(context.Settings(LlmMode.Auto));

        var first = (await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None)).Response!;
        var second = (await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None)).Response!;

        Assert.IsFalse(first.FromCassette);
        Assert.IsTrue(second.FromCassette);
        Assert.AreEqual(first.Text, second.Text);
        Assert.AreEqual(1, context.Server.RequestCount);
        Assert.AreEqual(1, context.CassetteFiles().Length);
        Assert.AreEqual(2, session.Calls);
        Assert.AreEqual(1, session.CassetteHits);
    }

    [TestMethod]
    public async Task Live_neither_reads_nor_writes_cassettes()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Completion("{}");
        var session = context.Session(context.Settings(LlmMode.Live));

        await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None);
        await session.CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        Assert.AreEqual(2, context.Server.RequestCount);
        Assert.AreEqual(0, context.CassetteFiles().Length);
    }

    [TestMethod]
    public async Task Replay_miss_names_the_nearest_cassette_and_the_first_differing_line()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Completion("{}");
        var recorder = context.Session(context.Settings(LlmMode.Record));
        await recorder.CompleteAsync(LlmTestContext.Request("Build a parser.\nUse C#.\nKeep it small."), CancellationToken.None);
        await recorder.CompleteAsync(LlmTestContext.Request("Something else entirely."), CancellationToken.None);
        await recorder.CompleteAsync(LlmTestContext.Request("Build a parser.\nUse C#.\nKeep it small.", purpose: "executor"), CancellationToken.None);
        var nearest = Cassette.FileNameFor("planner", recorder.CassetteKeys[0]);

        var replayer = context.Session(context.Settings(LlmMode.Replay));
        var error = LlmTestContext.Error(
            await replayer.CompleteAsync(LlmTestContext.Request("Build a parser.\nUse F#.\nKeep it small."), CancellationToken.None), "E305");

        StringAssert.Contains(error.Message, nearest);
        StringAssert.Contains(error.Message, "message 2 (user), line 2");
        StringAssert.Contains(error.Message, "recorded \"Use C#.\"");
        StringAssert.Contains(error.Message, "requested \"Use F#.\"");
        Assert.AreEqual(Path.Combine(context.CassettesDirectory, nearest), error.File);
        Assert.AreEqual(3, context.Server.RequestCount, "replay never calls the model");
    }

    [TestMethod]
    public async Task Replay_miss_on_model_change_says_so()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Completion("{}");
        await context.Session(context.Settings(LlmMode.Record)).CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        var error = LlmTestContext.Error(
            await context.Session(context.Settings(LlmMode.Replay) with { Model = "gpt-4.1" }).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E305");

        StringAssert.Contains(error.Message, "model: recorded \"gpt-4o-mini\", requested \"gpt-4.1\"");
    }

    [TestMethod]
    public async Task Replay_miss_with_no_cassettes_says_the_folder_is_empty_or_missing()
    {
        await using var context = await LlmTestContext.StartAsync();

        var missing = LlmTestContext.Error(await context.Session(context.Settings(LlmMode.Replay)).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E305");
        Directory.CreateDirectory(context.CassettesDirectory);
        var empty = LlmTestContext.Error(await context.Session(context.Settings(LlmMode.Replay)).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E305");

        StringAssert.Contains(missing.Message, "does not exist");
        StringAssert.Contains(empty.Message, "no readable cassette");
    }

    [TestMethod]
    public async Task Cassette_file_is_indented_lf_json_with_lines_and_the_full_key_and_is_byte_stable()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Completion("{\n  \"a\": 1\n}", promptTokens: 7, completionTokens: 3);
        var session = context.Session(context.Settings(LlmMode.Record));

        await session.CompleteAsync(LlmTestContext.Request("line one\nline two"), CancellationToken.None);
        var path = context.CassetteFiles().Single();
        var first = File.ReadAllBytes(path);
        await session.CompleteAsync(LlmTestContext.Request("line one\nline two"), CancellationToken.None);
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(path));

        CollectionAssert.AreEqual(first, File.ReadAllBytes(path), "re-recording the same exchange at the same time gives the same bytes");
        Assert.IsFalse(text.Contains('\r'));
        Assert.IsTrue(text.EndsWith("}\n", StringComparison.Ordinal));
        StringAssert.StartsWith(text, "{\n  \"format\": 1,\n  \"key\": \"" + session.CassetteKeys[0] + "\"");
        StringAssert.Contains(text, "\"content_lines\": [\n          \"line one\",\n          \"line two\"\n        ]");
        StringAssert.Contains(text, "\"text_lines\": [");
        StringAssert.Contains(text, "\"recorded_at\": \"2026-01-02T03:04:05.000Z\"");
        Assert.AreEqual($"planner-{session.CassetteKeys[0][..16]}.json", Path.GetFileName(path));
        Assert.IsFalse(text.Contains("authorization", StringComparison.OrdinalIgnoreCase));
        Assert.IsFalse(text.Contains("bearer", StringComparison.OrdinalIgnoreCase));
    }

    [TestMethod]
    public async Task Hand_edited_cassette_is_E309_not_replayed()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Completion("{}"));
        await context.Session(context.Settings(LlmMode.Record)).CompleteAsync(LlmTestContext.Request("original"), CancellationToken.None);
        var path = context.CassetteFiles().Single();
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"original\"", "\"tampered\"", StringComparison.Ordinal));

        var error = LlmTestContext.Error(await context.Session(context.Settings(LlmMode.Replay)).CompleteAsync(LlmTestContext.Request("original"), CancellationToken.None), "E309");

        StringAssert.Contains(error.Message, "was edited");
        Assert.AreEqual(path, error.File);
    }

    [TestMethod]
    [DataRow("{ not json", 1)]
    [DataRow("{\n  \"format\": 1,\n  \"key\": \"x\"\n}", 0)]
    [DataRow("[]", 0)]
    public async Task Broken_cassette_file_is_E309_with_a_position_for_syntax_errors(string content, int expectedLine)
    {
        await using var context = await LlmTestContext.StartAsync();
        var request = LlmTestContext.Request();
        var key = CanonicalRequest.From(context.Settings(), request).ComputeKey();
        Directory.CreateDirectory(context.CassettesDirectory);
        File.WriteAllText(Path.Combine(context.CassettesDirectory, Cassette.FileNameFor("planner", key)), content);

        var error = LlmTestContext.Error(await context.Session(context.Settings(LlmMode.Replay)).CompleteAsync(request, CancellationToken.None), "E309");

        Assert.AreEqual(expectedLine, error.Line);
    }

    [TestMethod]
    public async Task Truncated_answer_is_recorded_and_replays_as_the_same_E302()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Truncated("{\"cut\": ", completionTokens: 1000));
        LlmTestContext.Error(await context.Session(context.Settings(LlmMode.Record)).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E302");
        await context.Server.StopAsync();

        LlmTestContext.Error(await context.Session(context.Settings(LlmMode.Replay)).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E302");
    }

    [TestMethod]
    public async Task Refusal_is_recorded_and_replays_as_the_same_E304()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Enqueue(ScriptedResponse.Refusal("No."));
        await context.Session(context.Settings(LlmMode.Record)).CompleteAsync(LlmTestContext.Request(), CancellationToken.None);

        var error = LlmTestContext.Error(await context.Session(context.Settings(LlmMode.Replay)).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E304");

        StringAssert.Contains(error.Message, "No.");
    }

    [TestMethod]
    public async Task Transport_failures_are_not_recorded()
    {
        await using var context = await LlmTestContext.StartAsync();
        context.Server.Fallback = ScriptedResponse.Error(500);

        LlmTestContext.Error(await context.Session(context.Settings(LlmMode.Record) with { MaxRetries = 0 }).CompleteAsync(LlmTestContext.Request(), CancellationToken.None), "E301");

        Assert.AreEqual(0, context.CassetteFiles().Length);
    }
}

[TestClass]
public sealed class CanonicalRequestTests
{
    private static readonly CanonicalRequest Baseline = new(
        "gpt-4o", 0.2f, 100, null, [LlmMessage.System("s"), LlmMessage.User("u")]);

    [TestMethod]
    public void Canonical_json_has_sorted_keys_and_no_whitespace()
    {
        var json = Encoding.UTF8.GetString(Baseline.ToCanonicalJson());

        Assert.AreEqual(
            "{\"max_output_tokens\":100,\"messages\":[{\"content\":\"s\",\"role\":\"system\"},{\"content\":\"u\",\"role\":\"user\"}],"
            + "\"model\":\"gpt-4o\",\"response_format\":null,\"temperature\":0.2}",
            json);
    }

    [TestMethod]
    public void Key_is_the_sha256_of_the_canonical_json()
    {
        var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Baseline.ToCanonicalJson())).ToLowerInvariant();

        Assert.AreEqual(expected, Baseline.ComputeKey());
        Assert.AreEqual(Baseline.ComputeKey(), (Baseline with { Messages = [LlmMessage.System("s"), LlmMessage.User("u")] }).ComputeKey());
    }

    [TestMethod]
    public void Key_changes_with_every_part_of_the_request()
    {
        var variants = new[]
        {
            Baseline,
            Baseline with { Model = "gpt-4o-mini" },
            Baseline with { Temperature = 0.3f },
            Baseline with { Temperature = null },
            Baseline with { MaxOutputTokens = 101 },
            Baseline with { ResponseFormat = new ResponseFormatSpec("plan", "{}") },
            Baseline with { ResponseFormat = new ResponseFormatSpec("plan", "{\"type\":\"object\"}") },
            Baseline with { Messages = [LlmMessage.System("s"), LlmMessage.User("u ")] },
            Baseline with { Messages = [LlmMessage.User("s"), LlmMessage.User("u")] },
            Baseline with { Messages = [LlmMessage.System("s")] },
        };

        Assert.AreEqual(variants.Length, variants.Select(v => v.ComputeKey()).Distinct().Count());
    }

    [TestMethod]
    public void Purpose_is_not_part_of_the_key_but_names_the_file()
    {
        var settings = new LlmSettings { Model = "m" };
        var a = CanonicalRequest.From(settings, new LlmRequest("planner", [LlmMessage.User("x")]));
        var b = CanonicalRequest.From(settings, new LlmRequest("executor", [LlmMessage.User("x")]));

        Assert.AreEqual(a.ComputeKey(), b.ComputeKey());
        Assert.AreNotEqual(Cassette.FileNameFor("planner", a.ComputeKey()), Cassette.FileNameFor("executor", a.ComputeKey()));
        Assert.AreEqual("my_role_-0123456789abcdef.json", Cassette.FileNameFor("My Role!", "0123456789abcdef0123"));
    }

    [TestMethod]
    public void Cassette_json_round_trips_exact_text_including_cr_lf_and_unicode()
    {
        var request = Baseline with { Messages = [LlmMessage.User("a\r\nb\n\n«ü» \"q\" \\ \t end\n")] };
        var cassette = new Cassette
        {
            Key = request.ComputeKey(),
            Purpose = "planner",
            RecordedAt = DateTimeOffset.UnixEpoch,
            Request = request,
            Text = "x\r\ny\n",
            FinishReason = "stop",
            ResponseModel = "gpt-4o-2024-08-06",
            InputTokens = 1,
            OutputTokens = 2,
        };

        var (back, error) = Cassette.Parse(cassette.ToJson(), "c.json");

        Assert.IsNull(error, error?.Message);
        Assert.AreEqual(request.Messages[0].Content, back!.Request.Messages[0].Content);
        Assert.AreEqual("x\r\ny\n", back.Text);
        Assert.AreEqual(cassette.Key, back.Key);
    }
}

[TestClass]
public sealed class CassetteParseTests
{
    [TestMethod]
    [DataRow("\"temperature\": 0", "\"temperature\": \"hot\"", "temperature")]
    [DataRow("\"finish_reason\": \"stop\"", "\"finish_reason\": 3", "finish_reason")]
    [DataRow("\"purpose\": \"planner\",", "", "purpose")]
    [DataRow("\"text_lines\": [", "\"text_lines\": [7, ", "text_lines")]
    public void Missing_or_mistyped_field_is_E309_naming_the_field(string from, string to, string field)
    {
        var request = new CanonicalRequest("m", 0f, 10, null, [LlmMessage.User("u")]);
        var json = new Cassette
        {
            Key = request.ComputeKey(),
            Purpose = "planner",
            RecordedAt = DateTimeOffset.UnixEpoch,
            Request = request,
            Text = "t",
            FinishReason = "stop",
            ResponseModel = "m",
        }.ToJson();
        StringAssert.Contains(json, from);

        var (cassette, error) = Cassette.Parse(json.Replace(from, to, StringComparison.Ordinal), "c.json");

        Assert.IsNull(cassette);
        Assert.AreEqual("E309", error!.Code);
        StringAssert.Contains(error.Message, field);
    }
}
