using LlmCompiler.Contracts;
using LlmCompiler.Planning;

namespace LlmCompiler.Tests.Planning;

/// <summary>
/// <c>llmc plan</c> end to end through the real OpenAI SDK and LLM session against a loopback
/// OpenAI-compatible server on 127.0.0.1: no network, real HTTP, real cassettes.
/// </summary>
[TestClass]
public sealed class PlanLoopbackTests
{
    private static Task<(int Exit, string Stdout, string Stderr)> RunAsync(PlanFixture fx, params string[] extra)
    {
        string[] args = ["--spec", fx.SpecPath, "--outdir", fx.OutDir, "--api-key-env", PlanCli.KeyVariable, "--model", "gpt-4o-mini", .. extra];
        if (!extra.Contains("--artifacts-dir")) args = [.. args, "--artifacts-dir", Path.Combine(fx.ArtifactsDir, Guid.NewGuid().ToString("N"))];
        return PlanCli.RunAsync(Path.Combine(fx.Root, "ledger.jsonl"), args);
    }

    [TestMethod]
    public async Task Valid_first_answer_exits_0_and_writes_the_plan()
    {
        using var fx = new PlanFixture();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Enqueue(ScriptedResponse.Completion(SamplePlans.Valid, promptTokens: 2000, completionTokens: 900));

        var (exit, _, stderr) = await RunAsync(fx, "--endpoint", server.BaseUrl.ToString());

        Assert.AreEqual(0, exit, stderr);
        Assert.AreEqual(1, server.RequestCount);
        StringAssert.Contains(stderr, "attempt 1/3: 2000 in + 900 out tokens; 0 error(s)");
        CollectionAssert.AreEqual(new[] { "WO-01.json", "WO-02.json", Manifest.FileName }, fx.OutputFiles());
        var body = server.Requests[0].Json!;
        Assert.AreEqual("gpt-4o-mini", body["model"]!.GetValue<string>());
        Assert.AreEqual(ManifestSchema.Name, body["response_format"]?["json_schema"]?["name"]?.GetValue<string>());
        StringAssert.Contains(server.Requests[0].MessageContents[0], "Calculator");
    }

    [TestMethod]
    public async Task Invalid_then_corrected_sends_the_codes_and_the_previous_answer_to_the_server()
    {
        using var fx = new PlanFixture();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Enqueue(ScriptedResponse.Completion(SamplePlans.MissingTitle), ScriptedResponse.Completion(SamplePlans.Valid));

        var (exit, _, stderr) = await RunAsync(fx, "--endpoint", server.BaseUrl.ToString());

        Assert.AreEqual(0, exit, stderr);
        Assert.AreEqual(2, server.RequestCount);
        var revision = server.Requests[1].MessageContents;
        Assert.HasCount(3, revision);
        Assert.AreEqual(server.Requests[0].MessageContents[0], revision[0], "rules, repo hints and spec are resent");
        Assert.AreEqual(SamplePlans.MissingTitle, revision[1]);
        StringAssert.Contains(revision[2], "[E005] WO-02 title: missing required property 'title'");
    }

    [TestMethod]
    public async Task Never_valid_exits_2_and_writes_no_files()
    {
        using var fx = new PlanFixture();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Enqueue(ScriptedResponse.Completion(SamplePlans.MissingTitle), ScriptedResponse.Completion(SamplePlans.MissingTitle));

        var (exit, _, stderr) = await RunAsync(fx, "--endpoint", server.BaseUrl.ToString(), "--max-attempts", "2");

        Assert.AreEqual(2, exit, stderr);
        Assert.AreEqual(2, server.RequestCount);
        Assert.IsFalse(Directory.Exists(fx.OutDir));
        StringAssert.Contains(stderr, "response_attempt_2.txt(22,5): error E005:");
    }

    [TestMethod]
    public async Task Garbage_exits_4()
    {
        using var fx = new PlanFixture();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Enqueue(ScriptedResponse.Completion("I am unable to produce JSON today."));

        var (exit, _, stderr) = await RunAsync(fx, "--endpoint", server.BaseUrl.ToString(), "--max-attempts", "1");

        Assert.AreEqual(4, exit, stderr);
        Assert.IsFalse(Directory.Exists(fx.OutDir));
    }

    [TestMethod]
    public async Task Transport_failure_exits_3()
    {
        using var fx = new PlanFixture();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Fallback = ScriptedResponse.Error(503, "overloaded");

        var (exit, _, stderr) = await RunAsync(fx, "--endpoint", server.BaseUrl.ToString());

        Assert.AreEqual(3, exit, stderr);
        StringAssert.Contains(stderr, "E301");
        Assert.IsFalse(Directory.Exists(fx.OutDir));
    }

    [TestMethod]
    public async Task Fenced_and_prose_wrapped_answers_exit_0()
    {
        using var fx = new PlanFixture();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Enqueue(
            ScriptedResponse.Completion("```json\n" + SamplePlans.Valid + "\n```"),
            ScriptedResponse.Completion("Here is the plan:\n" + SamplePlans.Valid + "\nThanks."));

        var fenced = await RunAsync(fx, "--endpoint", server.BaseUrl.ToString());
        var prose = await RunAsync(fx, "--endpoint", server.BaseUrl.ToString(), "--overwrite");

        Assert.AreEqual(0, fenced.Exit, fenced.Stderr);
        Assert.AreEqual(0, prose.Exit, prose.Stderr);
        Assert.AreEqual(2, server.RequestCount);
    }

    [TestMethod]
    public async Task Outdir_not_empty_exits_1_before_any_request()
    {
        using var fx = new PlanFixture();
        await using var server = await LoopbackLlmServer.StartAsync();
        Directory.CreateDirectory(fx.OutDir);
        File.WriteAllText(Path.Combine(fx.OutDir, "WO-03.json"), "{}");

        var (exit, _, stderr) = await RunAsync(fx, "--endpoint", server.BaseUrl.ToString());

        Assert.AreEqual(1, exit, stderr);
        StringAssert.Contains(stderr, "E400");
        Assert.AreEqual(0, server.RequestCount);
    }

    [TestMethod]
    public async Task Replay_without_a_server_gives_byte_identical_outputs_twice()
    {
        using var fx = new PlanFixture();
        var cassettes = Path.Combine(fx.Root, "cassettes");
        Uri endpoint;
        await using (var server = await LoopbackLlmServer.StartAsync())
        {
            endpoint = server.BaseUrl;
            server.Enqueue(ScriptedResponse.Completion(SamplePlans.MissingTitle), ScriptedResponse.Completion(SamplePlans.Valid));
            var recorded = await RunAsync(fx, "--endpoint", endpoint.ToString(), "--llm-mode", "record", "--cassettes", cassettes);
            Assert.AreEqual(0, recorded.Exit, recorded.Stderr);
        }
        var original = Snapshot(fx.OutDir);

        // The server is gone: any live call would fail with E301, so success proves both answers came from cassettes.
        var first = await RunAsync(fx, "--endpoint", endpoint.ToString(), "--llm-mode", "replay", "--cassettes", cassettes, "--overwrite");
        Assert.AreEqual(0, first.Exit, first.Stderr);
        StringAssert.Contains(first.Stderr, "(cassette)");
        var afterFirst = Snapshot(fx.OutDir);
        var second = await RunAsync(fx, "--endpoint", endpoint.ToString(), "--llm-mode", "replay", "--cassettes", cassettes, "--overwrite");
        Assert.AreEqual(0, second.Exit, second.Stderr);
        var afterSecond = Snapshot(fx.OutDir);

        Assert.HasCount(3, original);
        foreach (var (name, bytes) in original)
        {
            CollectionAssert.AreEqual(bytes, afterFirst[name], name);
            CollectionAssert.AreEqual(bytes, afterSecond[name], name);
        }
        StringAssert.Contains(System.Text.Encoding.UTF8.GetString(original["WO-01.json"]), "\"cassette_keys\": [\n");
    }

    [TestMethod]
    public async Task Budget_too_small_for_one_call_exits_3_before_any_request()
    {
        using var fx = new PlanFixture();
        await using var server = await LoopbackLlmServer.StartAsync();

        var (exit, _, stderr) = await RunAsync(fx, "--endpoint", server.BaseUrl.ToString(), "--max-cost-usd", "0.0000001");

        Assert.AreEqual(3, exit, stderr);
        StringAssert.Contains(stderr, "E306");
        Assert.AreEqual(0, server.RequestCount);
    }

    [TestMethod]
    public async Task The_api_key_reaches_the_server_but_never_the_artifacts_or_outputs()
    {
        using var fx = new PlanFixture();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Enqueue(ScriptedResponse.Completion(SamplePlans.MissingTitle), ScriptedResponse.Completion(SamplePlans.Valid));

        var (exit, stdout, stderr) = await RunAsync(fx, "--endpoint", server.BaseUrl.ToString());

        Assert.AreEqual(0, exit, stderr);
        Assert.AreEqual("Bearer " + PlanCli.ApiKey, server.Requests[0].Authorization);
        foreach (var file in Directory.GetFiles(fx.Root, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(PlanCli.ApiKey, File.ReadAllText(file), file);
        }
        Assert.DoesNotContain(PlanCli.ApiKey, stdout + stderr);
    }

    [TestMethod]
    public async Task Replay_miss_exits_3()
    {
        using var fx = new PlanFixture();
        var (exit, _, stderr) = await RunAsync(fx, "--endpoint", "http://127.0.0.1:9/v1", "--llm-mode", "replay", "--cassettes", Path.Combine(fx.Root, "none"));

        Assert.AreEqual(3, exit, stderr);
        StringAssert.Contains(stderr, "E305");
    }

    private static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
}
