using LlmCompiler.Planning;

namespace LlmCompiler.Tests.Planning;

/// <summary>
/// The planner on the README demo's sample (samples/TextKit): the hand-written planner answer compiles into its
/// four work orders, and the committed planner cassette replays it with no server, byte-identically.
/// </summary>
// The recorder rewrites the committed cassette the replay test reads.
[TestClass]
[DoNotParallelize]
public sealed class TextKitSampleTests
{
    public const string RecordVariable = "LLMC_RECORD_SAMPLE_CASSETTES";

    private static readonly string SampleDir = Path.Combine(SourceTree.Root, "samples", "TextKit");
    private static readonly string ProductDir = Path.Combine(SampleDir, "product");
    private static readonly string CassettesDir = Path.Combine(ProductDir, "llmc", "cassettes");
    private static string PlannerAnswer => File.ReadAllText(Path.Combine(SampleDir, "transcript", "planner", "attempt-1.json"));

    [TestMethod]
    public async Task Hand_written_planner_answer_compiles_against_the_sample_repository()
    {
        using var fx = new PlanFixture();
        var client = new ScriptedLlmClient().Answer(PlannerAnswer);

        var result = await new PlanCompiler(client).CompileAsync(fx.Options() with
        {
            SpecPath = Path.Combine(ProductDir, "spec", "textkit.md"),
            RepoRoot = ProductDir,
        });

        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        Assert.IsFalse(result.Diagnostics.Any(), "not even a warning: " + string.Join("\n", result.Diagnostics));
        CollectionAssert.AreEqual(new[] { true, false, false, false }, result.Manifest!.WorkOrders.Select(w => w.VerifyExempt).ToArray());
        var prompt = client.Requests[0].Messages[0].Content;
        StringAssert.Contains(prompt, "TextKit.Plan.csproj: net10.0");
        StringAssert.Contains(prompt, File.ReadAllText(Path.Combine(ProductDir, "spec", "textkit.md")).Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task Committed_planner_cassette_replays_without_a_server_byte_identically()
    {
        using var fx = new PlanFixture();
        var repo = CopyProduct(fx);

        var first = await PlanReplayAsync(fx, repo, "1");
        var second = await PlanReplayAsync(fx, repo, "2");

        Assert.HasCount(5, first);
        foreach (var (name, bytes) in first) CollectionAssert.AreEqual(bytes, second[name], name);
        var wo4 = System.Text.Encoding.UTF8.GetString(first["WO-04.json"]);
        StringAssert.Contains(wo4, "\"verify_exempt\": false");
        StringAssert.Contains(wo4, "\"cassette_keys\": [\n");
    }

    /// <summary>
    /// Re-records the planner cassette from the hand-written answer through the real SDK and a loopback server.
    /// Run it after a change to the planner prompt or request shape: <c>LLMC_RECORD_SAMPLE_CASSETTES=1 dotnet test --filter Record_the_sample_planner_cassette</c>.
    /// </summary>
    [TestMethod]
    public async Task Record_the_sample_planner_cassette()
    {
        if (Environment.GetEnvironmentVariable(RecordVariable) != "1")
        {
            Assert.Inconclusive($"set {RecordVariable}=1 to re-record samples/TextKit/product/llmc/cassettes");
        }
        using var fx = new PlanFixture();
        var repo = CopyProduct(fx);
        var repoCassettes = Path.Combine(repo, "llmc", "cassettes");
        foreach (var old in Directory.GetFiles(repoCassettes, "planner-*.json")) File.Delete(old);
        await using var server = await LoopbackLlmServer.StartAsync();
        // Token counts of a realistic answer of this size, so the replayed ledger shows plausible numbers.
        server.Enqueue(ScriptedResponse.Completion(PlannerAnswer, promptTokens: 2950, completionTokens: 3400));

        // Recorded in the layout the demo replays in: the cassettes folder inside the product repository.
        var (exit, _, stderr) = await PlanCli.RunAsync(Path.Combine(fx.Root, "ledger.jsonl"),
            "--spec", Path.Combine(repo, "spec", "textkit.md"), "--repo", repo, "--outdir", Path.Combine(repo, "workorders"),
            "--artifacts-dir", Path.Combine(fx.ArtifactsDir, "record"), "--endpoint", server.BaseUrl.ToString(),
            "--llm-mode", "record", "--cassettes", repoCassettes);

        Assert.AreEqual(0, exit, stderr);
        var recorded = Directory.GetFiles(repoCassettes, "planner-*.json");
        Assert.HasCount(1, recorded);
        foreach (var old in Directory.GetFiles(CassettesDir, "planner-*.json")) File.Delete(old);
        File.Copy(recorded[0], Path.Combine(CassettesDir, Path.GetFileName(recorded[0])));
    }

    private static async Task<Dictionary<string, byte[]>> PlanReplayAsync(PlanFixture fx, string repo, string run)
    {
        var outDir = Path.Combine(repo, "workorders");
        var (exit, _, stderr) = await PlanCli.RunAsync(Path.Combine(fx.Root, "ledger.jsonl"),
            "--spec", Path.Combine(repo, "spec", "textkit.md"), "--repo", repo, "--outdir", outDir, "--overwrite",
            "--artifacts-dir", Path.Combine(fx.ArtifactsDir, run),
            // Nothing listens on the discard port: a live call would fail, so success proves the cassette served it.
            "--endpoint", "http://127.0.0.1:9/v1", "--llm-mode", "replay", "--cassettes", Path.Combine(repo, "llmc", "cassettes"));
        Assert.AreEqual(0, exit, $"the planner's request no longer matches the committed cassette; if the prompt changed on purpose, re-record with {RecordVariable}=1 (see samples/TextKit/transcript/README.md)\n{stderr}");
        StringAssert.Contains(stderr, "(cassette)");
        return Directory.GetFiles(outDir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
    }

    /// <summary>The demo plans in a scratch copy of the product; so do these tests (the sample stays untouched).</summary>
    private static string CopyProduct(PlanFixture fx) => SourceTree.Copy("samples/TextKit/product", Path.Combine(fx.Root, "product"));
}
