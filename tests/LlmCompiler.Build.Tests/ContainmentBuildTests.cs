using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>What a plain <c>dotnet build</c> with the package executes: nothing the repository supplies.</summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContainmentBuildTests
{
    [TestMethod]
    public void VerifyContract_never_runs_a_git_or_python_planted_in_the_repository_even_with_dot_on_PATH()
    {
        using var product = new ProductRepo(PackageFeed.Get());
        var ran = Path.Combine(Path.GetTempPath(), "llmc-planted-" + Guid.NewGuid().ToString("N"));
        foreach (var name in new[] { "git", "python3", "python" })
        {
            product.Write(name, $"#!/bin/sh\necho {name} >> '{ran}'\nexit 0\n");
            File.SetUnixFileMode(product.PathOf(name), (UnixFileMode)0b111_101_101);
        }
        product.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/Greeter.cs"));
        product.Write("workorders/WO-02.json", WorkOrderFiles.WithNumberInAllowedFiles("WO-02"));
        ChildProcess.GitOk(product.Root, "add", "-A");
        ChildProcess.GitOk(product.Root, "commit", "-q", "-m", "planted executables");

        var build = product.Build(new Dictionary<string, string?> { ["PATH"] = ".::" + Environment.GetEnvironmentVariable("PATH") });

        try
        {
            Assert.AreNotEqual(0, build.ExitCode, "VerifyContract ran and reported WO-02's error");
            Assert.IsTrue(ProductRepo.Diagnostics(build.Output).Any(d => d.Code == "E005"), build.ToString());
            Assert.IsFalse(File.Exists(ran), "a planted executable ran: " + (File.Exists(ran) ? File.ReadAllText(ran) : ""));
        }
        finally
        {
            File.Delete(ran);
        }
    }
}
