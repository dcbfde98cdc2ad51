using System.CommandLine;
using LlmCompiler.Cli.Commands;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Planning;

[TestClass]
public sealed class PlanCommandTests
{
    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(ILlmClient? client, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var root = new RootCommand();
        root.Subcommands.Add(PlanCommand.Create(new LlmCompiler.Cli.CliContext(stdout, stderr, LlmCompiler.Cli.Output.TerminalStyle.Plain, LlmCompiler.Cli.Output.TerminalStyle.Plain), (LlmCompiler.Llm.LlmSettings _, out IReadOnlyList<Diagnostic> errors) =>
        {
            errors = client is null ? [DiagnosticCatalog.Create("E300", "no key in OPENAI_API_KEY")] : [];
            return client;
        }));
        var parse = root.Parse(["plan", .. args]);
        Assert.IsEmpty(parse.Errors, string.Join("; ", parse.Errors.Select(e => e.Message)));
        var exit = await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string[] Args(PlanFixture fx, params string[] extra) =>
        ["--spec", fx.SpecPath, "--outdir", fx.OutDir, "--artifacts-dir", fx.ArtifactsDir, .. extra];

    [TestMethod]
    public async Task Success_exits_0_with_a_progress_line_per_attempt_and_a_summary_line_per_work_order()
    {
        using var fx = new PlanFixture();
        var client = new ScriptedLlmClient().Answer(SamplePlans.MissingTitle, inputTokens: 1200, outputTokens: 800).Answer(SamplePlans.Valid);

        var (exit, stdout, stderr) = await RunAsync(client, Args(fx, "--print-summary"));

        Assert.AreEqual(0, exit, stderr);
        StringAssert.Contains(stderr, "attempt 1/3: 1200 in + 800 out tokens; 1 error(s), 0 warning(s)");
        StringAssert.Contains(stderr, "attempt 2/3");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(2, lines);
        StringAssert.StartsWith(lines[0], "WO-01\t");
        StringAssert.Contains(lines[1], "Test Add");
    }

    [TestMethod]
    public async Task Never_valid_exits_2_and_prints_canonical_diagnostics_into_the_saved_response()
    {
        using var fx = new PlanFixture();
        var client = new ScriptedLlmClient().Answer(SamplePlans.MissingTitle);

        var (exit, _, stderr) = await RunAsync(client, Args(fx, "--max-attempts", "1"));

        Assert.AreEqual(2, exit);
        StringAssert.Matches(stderr, new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Escape(fx.ArtifactsDir + Path.DirectorySeparatorChar) + "[0-9A-Z]{26}" + System.Text.RegularExpressions.Regex.Escape(Path.DirectorySeparatorChar + "response_attempt_1.txt(22,5): error E005:"),
            System.Text.RegularExpressions.RegexOptions.Multiline));
        StringAssert.Contains(stderr, "error E402:");
        Assert.IsFalse(Directory.Exists(fx.OutDir));
    }

    [TestMethod]
    public async Task Garbage_exits_4()
    {
        using var fx = new PlanFixture();
        var (exit, _, stderr) = await RunAsync(new ScriptedLlmClient().Answer("no").Answer("still no"), Args(fx, "--max-attempts", "2"));

        Assert.AreEqual(4, exit, stderr);
        StringAssert.Contains(stderr, "answer is not JSON");
    }

    [TestMethod]
    public async Task Llm_failure_exits_3()
    {
        using var fx = new PlanFixture();
        var (exit, _, stderr) = await RunAsync(new ScriptedLlmClient().Fail("E306", "budget of $0.01 exhausted"), Args(fx));

        Assert.AreEqual(3, exit);
        StringAssert.Contains(stderr, "E306");
    }

    [TestMethod]
    public async Task No_client_exits_3_for_an_llm_code()
    {
        using var fx = new PlanFixture();
        var (exit, _, stderr) = await RunAsync(null, Args(fx));

        Assert.AreEqual(3, exit);
        StringAssert.Contains(stderr, "E300");
    }

    [TestMethod]
    public async Task Outdir_with_a_manifest_exits_1_without_a_request()
    {
        using var fx = new PlanFixture();
        Directory.CreateDirectory(fx.OutDir);
        File.WriteAllText(Path.Combine(fx.OutDir, "WORK_ORDERS_MANIFEST.json"), "{}");
        var client = new ScriptedLlmClient();

        var (exit, _, stderr) = await RunAsync(client, Args(fx));

        Assert.AreEqual(1, exit);
        StringAssert.Contains(stderr, "error E400:");
        StringAssert.Contains(stderr, "--overwrite");
        Assert.IsEmpty(client.Requests);
    }
}
