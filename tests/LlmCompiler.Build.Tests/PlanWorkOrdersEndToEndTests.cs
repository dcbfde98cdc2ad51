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
        var repoPath = scratch.Combine("product");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(PackageFeed.SourceRoot(), "samples", "TextKit", "product"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(repoPath, Path.GetRelativePath(Path.Combine(PackageFeed.SourceRoot(), "samples", "TextKit", "product"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        scratch.Write("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear /><add key="llmc-local" value="{package.FeedDirectory}" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources>
              <packageSourceMapping>
                <packageSource key="llmc-local"><package pattern="LlmCompiler.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
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
