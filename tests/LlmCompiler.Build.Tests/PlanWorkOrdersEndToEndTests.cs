using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>`dotnet build -t:PlanWorkOrders` on a copy of the TextKit sample, replaying its recorded planner cassette.</summary>
[TestClass]
public sealed class PlanWorkOrdersEndToEndTests
{
    [TestMethod]
    public void Sample_plans_in_replay_then_makes_no_call_on_the_second_build()
    {
        var package = PackageFeed.Get();
        // nuget.config goes one folder up: inside the product it would be a "build-wide file" in the planner's
        // repository hints, change the prompt, and miss the recorded cassette.
        using var scratch = new TempDirectory("llmc-sample");
        var repoPath = SourceTree.Copy("samples/TextKit/product", scratch.Combine("product"));
        scratch.Write("nuget.config", package.NuGetConfig);
        ChildProcess.GitOk(repoPath, "init", "-q", "-b", "main");
        ChildProcess.GitOk(repoPath, "add", "-A");
        ChildProcess.GitOk(repoPath, "commit", "-q", "-m", "product");
        var env = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = package.PackagesDirectory, ["OPENAI_API_KEY"] = null };
        string[] args = ["build", "TextKit.Plan.csproj", "-t:PlanWorkOrders", "-nologo", "-nr:false", "-tl:off", $"-p:LlmcPackageVersion={package.Version}"];

        var first = ChildProcess.Run(ChildProcess.DotnetHost(), repoPath, args, env);
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        StringAssert.Contains(first.Output, "1 LLM call(s) (1 from cassettes)");
        Assert.IsTrue(File.Exists(Path.Combine(repoPath, "workorders", "WO-04.json")), first.ToString());

        var second = ChildProcess.Run(ChildProcess.DotnetHost(), repoPath, [.. args, "--no-restore"], env);
        Assert.AreEqual(0, second.ExitCode, second.ToString());
        StringAssert.Contains(second.Output, "up to date (inputs unchanged); no LLM call");
        Assert.IsFalse(second.Output.Contains("LLM call(s)", StringComparison.Ordinal), second.ToString());
    }
}
