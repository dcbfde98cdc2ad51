using LlmCompiler.Planning;

namespace LlmCompiler.Tests.Planning;

/// <summary>The planner on the README demo's sample: the hand-written planner answer compiles into its four work orders.</summary>
[TestClass]
public sealed class TextKitSampleTests
{
    private static readonly string SampleDir = Path.Combine(FindRepositoryRoot(), "samples", "TextKit");

    [TestMethod]
    public async Task Hand_written_planner_answer_compiles_against_the_sample_repository()
    {
        using var fx = new PlanFixture();
        var answer = File.ReadAllText(Path.Combine(SampleDir, "transcript", "planner", "attempt-1.json"));
        var client = new ScriptedLlmClient().Answer(answer);

        var result = await new PlanCompiler(client).CompileAsync(fx.Options() with
        {
            SpecPath = Path.Combine(SampleDir, "product", "spec", "textkit.md"),
            RepoRoot = Path.Combine(SampleDir, "product"),
        });

        Assert.IsTrue(result.Success, string.Join("\n", result.Diagnostics));
        Assert.IsFalse(result.Diagnostics.Any(), "not even a warning: " + string.Join("\n", result.Diagnostics));
        CollectionAssert.AreEqual(new[] { true, false, false, false }, result.Manifest!.WorkOrders.Select(w => w.VerifyExempt).ToArray());
        var prompt = client.Requests[0].Messages[0].Content;
        StringAssert.Contains(prompt, "TextKit.Plan.csproj: net10.0");
        StringAssert.Contains(prompt, File.ReadAllText(Path.Combine(SampleDir, "product", "spec", "textkit.md")).Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmCompiler.sln")) && Directory.Exists(Path.Combine(dir.FullName, "samples"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no repository root above {AppContext.BaseDirectory}");
    }
}
