using System.Text.RegularExpressions;
using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>
/// Visual Studio's VerifyContract route (llmc-verify in a dotnet process), forced on this MSBuild with
/// <c>LlmcVerifyOutOfProcess=true</c>, through real <c>dotnet build</c>s of the packed package. Each test uses its own
/// cache folder, so the verification stamp it looks for is its own.
/// </summary>
[TestClass]
public sealed partial class OutOfProcessVerifyEndToEndTests
{
    private const string OutOfProcess = "-p:LlmcVerifyOutOfProcess=true";

    [TestMethod]
    public void Out_of_process_route_fails_the_build_once_per_diagnostic_with_the_same_lines_as_the_in_process_task()
    {
        using var product = new ProductRepo(PackageFeed.Get());
        using var cache = new TempDirectory("llmc-oop-cache");
        product.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/Greeter.cs", "\"postcondition\": []"));
        product.Write("workorders/WO-02.json", WorkOrderFiles.WithNumberInAllowedFiles("WO-02"));
        var env = new Dictionary<string, string?> { ["LLMC_CACHE_DIR"] = cache.Path };

        var outOfProcess = product.Build(env, OutOfProcess, "-v:n");

        Assert.AreEqual(1, outOfProcess.ExitCode, outOfProcess.ToString());
        StringAssert.Contains(outOfProcess.Output, "llmc-verify.dll", "the verifier did not run");
        var error = Diagnostics(outOfProcess.Output).SingleOrDefault(d => d.Code == "E005");
        Assert.IsNotNull(error, outOfProcess.ToString());
        Assert.AreEqual(product.PathOf("workorders/WO-02.json"), error.File);
        Assert.AreEqual((7, 9, "error"), (error.Line, error.Column, error.Severity));
        StringAssert.StartsWith(error.Message, "WO-02: ");
        var warning = Diagnostics(outOfProcess.Output).SingleOrDefault(d => d.Code == "W102");
        Assert.IsNotNull(warning, "a warning must stay a warning:\n" + outOfProcess);
        Assert.AreEqual("warning", warning.Severity);
        // Each finding once (before the closing recap repeats them), and no generic "the command exited with code 1".
        var logged = outOfProcess.Output.Split("Build FAILED.")[0];
        Assert.AreEqual(1, Lines(logged, ": error E005: "), outOfProcess.ToString());
        Assert.AreEqual(1, Lines(logged, ": warning W102: "), outOfProcess.ToString());
        Assert.AreEqual(0, Lines(outOfProcess.Output, "MSB3073") + Lines(outOfProcess.Output, "MSB4181") + Lines(outOfProcess.Output, "E503"), outOfProcess.ToString());
        Assert.IsEmpty(Directory.GetFiles(cache.Path, "verify.stamp", SearchOption.AllDirectories), "a failed check must leave no stamp");
        Assert.IsFalse(File.Exists(product.PathOf("bin/Debug/net10.0/Product.dll")), "CoreCompile ran despite the error");

        var inProcess = product.Build(env, "--no-restore", "-v:n");

        Assert.AreEqual(1, inProcess.ExitCode, inProcess.ToString());
        Assert.DoesNotContain("llmc-verify.dll", inProcess.Output);
        CollectionAssert.AreEquivalent(Located(inProcess.Output), Located(outOfProcess.Output),
            $"in process:\n{inProcess}\nout of process:\n{outOfProcess}");
    }

    [TestMethod]
    public void Out_of_process_route_stamps_a_passing_check_and_starts_no_verifier_until_a_work_order_changes()
    {
        using var product = new ProductRepo(PackageFeed.Get());
        using var cache = new TempDirectory("llmc-oop-cache");
        product.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/Greeter.cs"));
        var second = product.Write("workorders/WO-02.json", WorkOrderFiles.Creating("WO-02", "tests/GreeterTests.cs"));
        var env = new Dictionary<string, string?> { ["LLMC_CACHE_DIR"] = cache.Path };

        var first = product.Build(env, OutOfProcess, "-v:n");

        Assert.AreEqual(0, first.ExitCode, first.ToString());
        StringAssert.Contains(first.Output, "llmc-verify.dll");
        StringAssert.Contains(first.Output, "VerifyContract: 2 work order(s): 0 error(s), 0 warning(s).");
        Assert.HasCount(1, Directory.GetFiles(cache.Path, "verify.stamp", SearchOption.AllDirectories));

        // The proof that no process started: MSBuild skips the target (its log says so) and the command line that
        // RunContractVerifier logs before starting the verifier is absent.
        var unchanged = product.Build(env, "--no-restore", OutOfProcess, "-v:d");
        Assert.AreEqual(0, unchanged.ExitCode, unchanged.ToString());
        StringAssert.Contains(unchanged.Output, "Skipping target \"VerifyContract\" because all output files are up-to-date");
        Assert.DoesNotContain("--work-order-list", unchanged.Output);

        File.WriteAllText(second, WorkOrderFiles.Creating("WO-02", "tests/OtherTests.cs"));
        var edited = product.Build(env, "--no-restore", OutOfProcess, "-v:n");
        Assert.AreEqual(0, edited.ExitCode, edited.ToString());
        StringAssert.Contains(edited.Output, "VerifyContract: 2 work order(s): 0 error(s), 0 warning(s).");
    }

    [TestMethod]
    public void Project_without_work_orders_gets_no_file_from_the_package()
    {
        using var product = new ProductRepo(PackageFeed.Get());
        using var cache = new TempDirectory("llmc-oop-cache");
        var env = new Dictionary<string, string?> { ["LLMC_CACHE_DIR"] = cache.Path };

        var build = product.Build(env, "-v:n");
        var outOfProcess = product.Build(env, "--no-restore", OutOfProcess, "-v:n");

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        Assert.AreEqual(0, outOfProcess.ExitCode, outOfProcess.ToString());
        Assert.DoesNotContain("VerifyContract:", build.Output + outOfProcess.Output);
        Assert.IsEmpty(Directory.GetFileSystemEntries(cache.Path), "the package wrote to its cache folder");
        var written = Directory.GetFileSystemEntries(product.Root, "*", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}.git{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(p => Path.GetFileName(p).Contains("llmc", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(p).Contains("workorder", StringComparison.OrdinalIgnoreCase));
        Assert.IsEmpty(written, string.Join("\n", written));
    }

    /// <summary>The canonical diagnostics, once each: at -v:n MSBuild prefixes the first print with the node ("2>").</summary>
    private static List<CanonicalDiagnostic> Diagnostics(string output) =>
        [.. ProductRepo.Diagnostics(output).Select(d => d with { File = NodePrefix().Replace(d.File, "") }).Distinct()];

    private static int Lines(string output, string text) => output.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>The diagnostics with a file, as text: what the Error List shows of each.</summary>
    private static List<string> Located(string output) =>
        [.. Diagnostics(output).Select(d => $"{d.File}({d.Line},{d.Column}): {d.Severity} {d.Code}: {d.Message}")];

    [GeneratedRegex(@"^\d+>")]
    private static partial Regex NodePrefix();
}
