using System.Text.Json;
using LlmCompiler.Contracts;
using LlmCompiler.Planning;

namespace LlmCompiler.Tests.Planning;

[TestClass]
public sealed class PlanCompilerTests
{
    [TestMethod]
    public async Task Valid_first_answer_writes_every_work_order_and_the_manifest()
    {
        using var fx = new PlanFixture();
        var client = new ScriptedLlmClient().Answer(SamplePlans.Valid, cassetteKey: "abc123");

        var result = await new PlanCompiler(client).CompileAsync(fx.Options());

        Assert.AreEqual(PlanOutcome.Success, result.Outcome, string.Join("\n", result.Diagnostics));
        Assert.HasCount(1, client.Requests);
        StringAssert.Contains(client.Requests[0].Messages[0].Content, PlanFixture.SampleSpec.Trim());
        CollectionAssert.AreEqual(new[] { "WO-01.json", "WO-02.json", Manifest.FileName }, fx.OutputFiles());
        Assert.AreEqual(Manifest.FileName, Path.GetFileName(result.WrittenFiles[^1]), "manifest is written last");

        var wo1 = File.ReadAllText(Path.Combine(fx.OutDir, "WO-01.json"));
        Assert.IsTrue(wo1.EndsWith("}\n", StringComparison.Ordinal));
        Assert.DoesNotContain("\r", wo1);
        StringAssert.Contains(wo1, "\n  \"id\": \"WO-01\",");
        var loaded = PlanLoader.Load(fx.OutDir).Document!;
        var reread = loaded.DocumentDiagnostics.Concat(loaded.WorkOrders.SelectMany(w => w.ShapeDiagnostics)).ToList();
        Assert.IsEmpty(reread, "the written plan reads back without a single finding: " + string.Join("\n", reread));
        var provenance = loaded.WorkOrders[0].Value.Provenance!;
        Assert.AreEqual(26, provenance.PlannerRunId.Length);
        Assert.AreEqual("scripted-model", provenance.Model);
        Assert.AreEqual(PromptTemplate.Default().Sha256, provenance.TemplateSha256);
        CollectionAssert.AreEqual(new[] { "abc123" }, provenance.CassetteKeys.ToArray());
        Assert.AreEqual(64, provenance.SpecSha256!.Length);
    }

    [TestMethod]
    public async Task Verify_exempt_is_recomputed_and_never_taken_from_the_model()
    {
        using var fx = new PlanFixture();
        var lying = SamplePlans.Valid.Replace("\"notes\": \"Use MSTest.\"", "\"notes\": \"Use MSTest.\", \"verify_exempt\": true", StringComparison.Ordinal);
        var client = new ScriptedLlmClient().Answer(lying);

        var result = await new PlanCompiler(client).CompileAsync(fx.Options());

        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        // WO-01 runs before the verify contract's test project exists; WO-02 creates it.
        CollectionAssert.AreEqual(new[] { true, false }, result.Manifest!.WorkOrders.Select(w => w.VerifyExempt).ToArray());
        Assert.IsTrue(result.Manifest.WorkOrders[0].Provenance!.Bootstrap);
    }

    [TestMethod]
    public async Task Manifest_sha256_is_the_hash_of_the_manifest_without_provenance()
    {
        using var fx = new PlanFixture();
        var result = await new PlanCompiler(new ScriptedLlmClient().Answer(SamplePlans.Valid)).CompileAsync(fx.Options());

        var manifest = result.Manifest!;
        var bare = manifest with { WorkOrders = [.. manifest.WorkOrders.Select(w => w with { Provenance = null })] };
        var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(PlanOutputWriter.Serialize(bare)))).ToLowerInvariant();
        Assert.AreEqual(expected, manifest.WorkOrders[1].Provenance!.ManifestSha256);
    }

    [TestMethod]
    public async Task Invalid_then_corrected_sends_a_revision_citing_the_errors_and_the_previous_answer()
    {
        using var fx = new PlanFixture();
        var client = new ScriptedLlmClient().Answer(SamplePlans.MissingTitle).Answer(SamplePlans.Valid);
        var reports = new List<PlanAttemptReport>();

        var result = await new PlanCompiler(client, progress: reports.Add).CompileAsync(fx.Options());

        Assert.AreEqual(PlanOutcome.Success, result.Outcome, string.Join("\n", result.Diagnostics));
        Assert.HasCount(2, client.Requests);
        var revision = client.Requests[1];
        Assert.AreEqual(client.Requests[0].Messages[0].Content, revision.Messages[0].Content, "the rules are resent unchanged");
        Assert.AreEqual(SamplePlans.MissingTitle, revision.Messages[1].Content);
        StringAssert.Contains(revision.Messages[2].Content, "[E005] WO-02");
        StringAssert.Contains(revision.Messages[2].Content, "title");
        Assert.AreEqual(2, result.Summary!.Attempts);
        Assert.IsGreaterThan(0, reports[0].Errors);
        Assert.AreEqual(0, reports[1].Errors);

        var diagnostics = File.ReadAllText(Path.Combine(result.ArtifactsDir!, "diagnostics_attempt_1.json"));
        StringAssert.Contains(diagnostics, "\"code\": \"E005\"");
        StringAssert.Contains(diagnostics, "response_attempt_1.txt");
    }

    [TestMethod]
    public async Task Never_valid_fails_with_E402_writes_nothing_and_points_into_the_last_raw_response()
    {
        using var fx = new PlanFixture();
        var client = new ScriptedLlmClient().Answer(SamplePlans.MissingTitle).Answer(SamplePlans.MissingTitle).Answer(SamplePlans.MissingTitle);

        var result = await new PlanCompiler(client).CompileAsync(fx.Options());

        Assert.AreEqual(PlanOutcome.ValidationFailed, result.Outcome);
        Assert.HasCount(3, client.Requests);
        Assert.IsFalse(Directory.Exists(fx.OutDir));
        var e005 = result.Diagnostics.First(d => d.Code == "E005");
        Assert.AreEqual(Path.Combine(result.ArtifactsDir!, "response_attempt_3.txt"), e005.File);
        Assert.IsGreaterThan(1, e005.Line);
        Assert.AreEqual("E402", result.Diagnostics[^1].Code);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.ArtifactsDir!, "compile_summary.json")));
        Assert.IsFalse(summary.RootElement.GetProperty("success").GetBoolean());
        Assert.AreEqual(3, summary.RootElement.GetProperty("attempts").GetInt32());
        Assert.AreEqual(3, summary.RootElement.GetProperty("attempt_records").GetArrayLength());
        Assert.AreEqual(300, summary.RootElement.GetProperty("input_tokens").GetInt64());
    }

    [TestMethod]
    public async Task Garbage_on_the_last_attempt_is_unparseable()
    {
        using var fx = new PlanFixture();
        var client = new ScriptedLlmClient().Answer("Sorry, I can't do that.").Answer("Still no JSON here.");

        var result = await new PlanCompiler(client).CompileAsync(fx.Options() with { MaxAttempts = 2 });

        Assert.AreEqual(PlanOutcome.Unparseable, result.Outcome);
        StringAssert.Contains(client.Requests[1].Messages[2].Content, "could not be read as one JSON object");
        StringAssert.Contains(client.Requests[1].Messages[2].Content, "[E303]");
        Assert.IsFalse(Directory.Exists(fx.OutDir));
    }

    [TestMethod]
    public async Task Transport_failure_is_an_llm_error_and_stops_the_loop()
    {
        using var fx = new PlanFixture();
        var client = new ScriptedLlmClient().Answer(SamplePlans.MissingTitle).Fail("E301", "connection refused");

        var result = await new PlanCompiler(client).CompileAsync(fx.Options());

        Assert.AreEqual(PlanOutcome.LlmError, result.Outcome);
        Assert.AreEqual("E301", result.Diagnostics.Single().Code);
        Assert.HasCount(2, client.Requests);
        Assert.IsFalse(Directory.Exists(fx.OutDir));
        Assert.IsTrue(File.Exists(Path.Combine(result.ArtifactsDir!, "compile_summary.json")));
    }

    [TestMethod]
    public async Task Outdir_with_work_orders_fails_before_any_request()
    {
        using var fx = new PlanFixture();
        Directory.CreateDirectory(fx.OutDir);
        File.WriteAllText(Path.Combine(fx.OutDir, "WO-01.json"), "{}");
        var client = new ScriptedLlmClient();

        var result = await new PlanCompiler(client).CompileAsync(fx.Options());

        Assert.AreEqual(PlanOutcome.InputOrIoError, result.Outcome);
        Assert.AreEqual("E400", result.Diagnostics.Single().Code);
        Assert.IsEmpty(client.Requests);
        Assert.IsFalse(Directory.Exists(fx.ArtifactsDir), "nothing is written for a run that cannot write");
        Assert.AreEqual("{}", File.ReadAllText(Path.Combine(fx.OutDir, "WO-01.json")));
    }

    [TestMethod]
    public async Task Overwrite_replaces_the_plan_and_removes_stale_work_orders_but_keeps_other_files()
    {
        using var fx = new PlanFixture();
        Directory.CreateDirectory(fx.OutDir);
        File.WriteAllText(Path.Combine(fx.OutDir, "WO-01.json"), "{}");
        File.WriteAllText(Path.Combine(fx.OutDir, "WO-07.json"), "{}");
        File.WriteAllText(Path.Combine(fx.OutDir, "README.md"), "keep me");

        var result = await new PlanCompiler(new ScriptedLlmClient().Answer(SamplePlans.Valid)).CompileAsync(fx.Options() with { Overwrite = true });

        Assert.IsTrue(result.Success);
        CollectionAssert.AreEqual(new[] { "README.md", "WO-01.json", "WO-02.json", Manifest.FileName }, fx.OutputFiles());
        StringAssert.Contains(File.ReadAllText(Path.Combine(fx.OutDir, "WO-01.json")), "Create the Calc library");
    }

    [TestMethod]
    public async Task Fenced_and_prose_wrapped_answers_are_accepted()
    {
        foreach (var wrapped in new[] { "```json\n" + SamplePlans.Valid + "\n```", "Here is the manifest:\n\n" + SamplePlans.Valid + "\n\nGood luck!" })
        {
            using var fx = new PlanFixture();
            var result = await new PlanCompiler(new ScriptedLlmClient().Answer(wrapped)).CompileAsync(fx.Options());
            Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        }
    }

    [TestMethod]
    public async Task Identical_inputs_and_answers_give_byte_identical_outputs()
    {
        using var a = new PlanFixture();
        using var b = new PlanFixture();
        await new PlanCompiler(new ScriptedLlmClient().Answer(SamplePlans.MissingTitle, cassetteKey: "k1").Answer(SamplePlans.Valid, cassetteKey: "k2")).CompileAsync(a.Options());
        await new PlanCompiler(new ScriptedLlmClient().Answer(SamplePlans.MissingTitle, cassetteKey: "k1").Answer(SamplePlans.Valid, cassetteKey: "k2")).CompileAsync(b.Options());

        foreach (var name in a.OutputFiles())
        {
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(a.OutDir, name)), File.ReadAllBytes(Path.Combine(b.OutDir, name)), name);
        }
        Assert.HasCount(3, a.OutputFiles());
    }

    [TestMethod]
    public async Task Different_answers_give_a_different_plan_id()
    {
        using var a = new PlanFixture();
        using var b = new PlanFixture();
        var first = await new PlanCompiler(new ScriptedLlmClient().Answer(SamplePlans.Valid)).CompileAsync(a.Options());
        var second = await new PlanCompiler(new ScriptedLlmClient().Answer(SamplePlans.Valid + " ")).CompileAsync(b.Options());

        Assert.AreNotEqual(first.Summary!.PlanId, second.Summary!.PlanId);
        Assert.AreNotEqual(first.RunId, second.RunId);
    }

    [TestMethod]
    public async Task Artifacts_hold_each_prompt_response_and_diagnostics()
    {
        using var fx = new PlanFixture();
        var result = await new PlanCompiler(new ScriptedLlmClient().Answer("nope").Answer(SamplePlans.Valid)).CompileAsync(fx.Options());

        Assert.AreEqual(Path.Combine(fx.ArtifactsDir, result.RunId!), result.ArtifactsDir);
        var files = Directory.GetFiles(result.ArtifactsDir!).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[]
        {
            "compile_summary.json", "diagnostics_attempt_1.json", "diagnostics_attempt_2.json",
            "prompt_attempt_1.json", "prompt_attempt_2.json", "response_attempt_1.txt", "response_attempt_2.txt",
        }, files);
        Assert.AreEqual("nope", File.ReadAllText(Path.Combine(result.ArtifactsDir!, "response_attempt_1.txt")));
        using var prompt = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.ArtifactsDir!, "prompt_attempt_2.json")));
        Assert.AreEqual(3, prompt.RootElement.GetProperty("messages").GetArrayLength());
    }

    [TestMethod]
    public async Task Default_artifacts_go_under_dot_llmc_in_the_repo_and_are_git_excluded()
    {
        using var fx = new PlanFixture();
        var repo = Path.Combine(fx.Root, "repo");
        Directory.CreateDirectory(repo);
        TestRepo.Run(repo, "git", "init", "-q");
        File.WriteAllText(Path.Combine(repo, "README.md"), "hello");

        var result = await new PlanCompiler(new ScriptedLlmClient().Answer(SamplePlans.Valid))
            .CompileAsync(fx.Options() with { ArtifactsDir = null, RepoRoot = repo });

        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        Assert.AreEqual(Path.Combine(repo, ".llmc", "runs", "plan", result.RunId!), result.ArtifactsDir);
        StringAssert.Contains(File.ReadAllText(Path.Combine(repo, ".git", "info", "exclude")), ".llmc/");
        Assert.AreEqual("?? README.md", TestRepo.Run(repo, "git", "status", "--porcelain").Trim(), "run artifacts never show up as untracked");
    }

    [TestMethod]
    public async Task Chain_checks_see_the_repository_listing()
    {
        using var fx = new PlanFixture();
        var repo = Path.Combine(fx.Root, "repo");
        Directory.CreateDirectory(Path.Combine(repo, "src", "Calc"));
        File.WriteAllText(Path.Combine(repo, "src", "Calc", "Calc.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>");
        var client = new ScriptedLlmClient().Answer(SamplePlans.Valid).Answer(SamplePlans.Valid);

        var result = await new PlanCompiler(client).CompileAsync(fx.Options() with { RepoRoot = repo, MaxAttempts = 2 });

        // WO-01 says src/Calc/Calc.csproj is absent, but the repository has it.
        Assert.AreEqual(PlanOutcome.ValidationFailed, result.Outcome);
        Assert.IsTrue(result.Diagnostics.Any(d => d.Code == "E101" && d.WoId == "WO-01"), string.Join("\n", result.Diagnostics));
        StringAssert.Contains(client.Requests[0].Messages[0].Content, "src/Calc/Calc.csproj: net8.0; library");
    }

    [TestMethod]
    public async Task Rerunning_into_an_outdir_inside_the_repository_sends_the_same_prompt()
    {
        using var fx = new PlanFixture();
        var repo = Path.Combine(fx.Root, "repo");
        Directory.CreateDirectory(Path.Combine(repo, "cassettes"));
        File.WriteAllText(Path.Combine(repo, "README.md"), "hello");
        var options = fx.Options() with { RepoRoot = repo, OutDir = Path.Combine(repo, "plan"), HintExclusions = [Path.Combine(repo, "cassettes")] };
        var first = new ScriptedLlmClient().Answer(SamplePlans.Valid);
        var second = new ScriptedLlmClient().Answer(SamplePlans.Valid);

        Assert.IsTrue((await new PlanCompiler(first).CompileAsync(options with { ArtifactsDir = Path.Combine(fx.ArtifactsDir, "1") })).Success);
        File.WriteAllText(Path.Combine(repo, "cassettes", "planner-0123.json"), "{}");
        Assert.IsTrue((await new PlanCompiler(second).CompileAsync(options with { ArtifactsDir = Path.Combine(fx.ArtifactsDir, "2"), Overwrite = true })).Success);

        Assert.AreEqual(first.Requests[0].Messages[0].Content, second.Requests[0].Messages[0].Content,
            "the plan's own output, artifacts and cassettes must not change the prompt (its cassette key)");
        StringAssert.Contains(first.Requests[0].Messages[0].Content, "README.md");
    }

    [TestMethod]
    public async Task Template_without_spec_placeholder_fails_before_any_request()
    {
        using var fx = new PlanFixture();
        var template = Path.Combine(fx.Root, "t.md");
        File.WriteAllText(template, "no placeholder here");
        var client = new ScriptedLlmClient();

        var result = await new PlanCompiler(client).CompileAsync(fx.Options() with { TemplatePath = template });

        Assert.AreEqual("E401", result.Diagnostics.Single().Code);
        Assert.IsEmpty(client.Requests);
    }

    [TestMethod]
    public async Task Missing_spec_is_E501()
    {
        using var fx = new PlanFixture();
        var result = await new PlanCompiler(new ScriptedLlmClient()).CompileAsync(fx.Options() with { SpecPath = Path.Combine(fx.Root, "missing.md") });

        Assert.AreEqual(PlanOutcome.InputOrIoError, result.Outcome);
        Assert.AreEqual("E501", result.Diagnostics.Single().Code);
    }
}
