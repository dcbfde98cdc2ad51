using System.IO.Compression;
using System.Xml.Linq;
using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>
/// Packs the real package, references it from a product project in a temp git repo and runs real
/// <c>dotnet build</c>s. Each build costs seconds on a shared machine, so each test walks through several steps.
/// </summary>
[TestClass]
public sealed class PackageEndToEndTests
{
    [TestMethod]
    public void Package_holds_the_task_closure_under_tasks_and_nothing_consumers_would_inherit()
    {
        var package = PackageFeed.Get();
        var nupkg = Directory.GetFiles(package.FeedDirectory, "LlmCompiler.Build.*.nupkg").Single();
        using var zip = ZipFile.OpenRead(nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);

        foreach (var expected in new[]
        {
            "build/LlmCompiler.Build.props", "build/LlmCompiler.Build.targets",
            "buildMultiTargeting/LlmCompiler.Build.props", "buildMultiTargeting/LlmCompiler.Build.targets",
            "tasks/net8.0/LlmCompiler.Build.Tasks.dll", "tasks/net8.0/LlmCompiler.Build.Tasks.deps.json",
            "tasks/net8.0/LlmCompiler.dll", "tasks/net8.0/OpenAI.dll", "tasks/net8.0/System.ClientModel.dll",
            "tasks/net8.0/System.Text.Json.dll",
            "tasks/net10.0-linux-x64/LlmCompiler.Build.Tasks.dll", "tasks/net10.0-linux-x64/LlmCompiler.Build.Tasks.deps.json",
            "tasks/net10.0-linux-x64/LlmCompiler.dll", "tasks/net10.0-linux-x64/OpenAI.dll",
        })
        {
            Assert.IsTrue(entries.Contains(expected), $"missing {expected}");
        }
        // The ReadyToRun folder: the engine and the task precompiled for linux-x64; System.Text.Json is the framework's.
        Assert.IsFalse(entries.Contains("tasks/net10.0-linux-x64/System.Text.Json.dll"), "the .NET 10 framework's System.Text.Json serves that folder");
        Assert.IsFalse(entries.Any(e => e.StartsWith("tasks/net10.0-linux-x64/llmc-verify", StringComparison.Ordinal)), "llmc-verify ships once, in net8.0");
        foreach (var (entry, readyToRun) in new[]
        {
            ("tasks/net10.0-linux-x64/LlmCompiler.dll", true), ("tasks/net10.0-linux-x64/LlmCompiler.Build.Tasks.dll", true),
            ("tasks/net10.0-linux-x64/OpenAI.dll", false), ("tasks/net8.0/LlmCompiler.dll", false),
        })
        {
            using var stream = new MemoryStream();
            using (var source = zip.GetEntry(entry)!.Open()) source.CopyTo(stream);
            stream.Position = 0;
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            Assert.AreEqual(readyToRun, pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{entry} ReadyToRun");
        }
        Assert.IsFalse(entries.Any(e => e.StartsWith("lib/", StringComparison.Ordinal)), "nothing may go to lib/");
        Assert.IsFalse(entries.Any(e => Path.GetFileName(e).StartsWith("Microsoft.Build", StringComparison.Ordinal)), "MSBuild binds its own Microsoft.Build*");
        Assert.IsFalse(entries.Any(e => e.EndsWith(".pdb", StringComparison.Ordinal)));

        using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        var ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.AreEqual("LlmCompiler.Build", metadata.Element(ns + "id")!.Value);
        Assert.AreEqual(package.Version, metadata.Element(ns + "version")!.Value);
        Assert.AreEqual("true", metadata.Element(ns + "developmentDependency")?.Value);
        Assert.IsNull(metadata.Element(ns + "dependencies"), "no NuGet dependency may leak to consumers");
    }

    [TestMethod]
    public void Invalid_work_order_fails_the_build_with_the_canonical_error_line_at_its_json_position()
    {
        using var product = new ProductRepo(PackageFeed.Get());
        product.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/Greeter.cs"));
        product.Write("workorders/WO-02.json", WorkOrderFiles.WithNumberInAllowedFiles("WO-02"));

        var failed = product.Build();

        Assert.AreNotEqual(0, failed.ExitCode, failed.ToString());
        var error = ProductRepo.Diagnostics(failed.Output).SingleOrDefault(d => d.Code == "E005");
        Assert.IsNotNull(error, failed.ToString());
        Assert.AreEqual(product.PathOf("workorders/WO-02.json"), error.File);
        Assert.AreEqual((7, 9, "error"), (error.Line, error.Column, error.Severity));
        StringAssert.StartsWith(error.Message, "WO-02: ");
        // Verification runs before compilation, so a broken plan fails fast.
        Assert.IsFalse(File.Exists(product.PathOf("bin/Debug/net10.0/Product.dll")), "CoreCompile ran despite the error");

        var switchedOff = product.Build(null, "-p:LlmcVerifyOnBuild=false");
        Assert.AreEqual(0, switchedOff.ExitCode, switchedOff.ToString());

        var designTime = product.Build(null, "--no-restore", "-t:VerifyContract", "-p:DesignTimeBuild=true");
        Assert.AreEqual(0, designTime.ExitCode, designTime.ToString());
        Assert.AreEqual(0, ProductRepo.Diagnostics(designTime.Output).Count, designTime.ToString());
    }

    [TestMethod]
    public void Valid_plan_builds_then_is_up_to_date_and_reverifies_added_or_removed_work_orders_without_leaking_the_key()
    {
        // The marker is read as a property, like a key would be if the targets ever referenced it: it proves
        // the binlog search below can see environment values, so "canary absent" means something.
        using var product = new ProductRepo(PackageFeed.Get(), "<PropertyGroup><Description>$(LLMC_TEST_VISIBLE_MARKER)</Description></PropertyGroup>");
        product.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/Greeter.cs"));
        product.Write("workorders/WO-02.json", WorkOrderFiles.Creating("WO-02", "tests/GreeterTests.cs"));
        var canary = $"sk-CANARY-{Guid.NewGuid():N}";
        var marker = $"visible-marker-{Guid.NewGuid():N}";
        var binlog = product.PathOf("first.binlog");

        // Every build sees the same environment: the marker feeds the assembly's Description.
        var env = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = canary, ["LLMC_TEST_VISIBLE_MARKER"] = marker };

        var first = product.Build(env, "-v:n", $"-bl:{binlog}");

        Assert.AreEqual(0, first.ExitCode, first.ToString());
        StringAssert.Contains(first.Output, "VerifyContract: 2 work order(s)");
        Assert.IsTrue(BinaryLog.Contains(binlog, marker), "the binlog search is blind");
        Assert.IsFalse(BinaryLog.Contains(binlog, canary), "the API key leaked into the binlog");
        Assert.IsFalse(first.Output.Contains(canary, StringComparison.Ordinal));
        if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
        {
            // The SDK 10 MSBuild here runs on .NET 10, Linux x64: it loads the ReadyToRun-compiled tasks.
            var tasks = product.Build(env, "--no-restore", "-getProperty:LlmcTasksAssembly");
            var tasksAssembly = tasks.Output.Trim().Replace('\\', '/');
            StringAssert.EndsWith(tasksAssembly, "/tasks/net10.0-linux-x64/LlmCompiler.Build.Tasks.dll", tasks.ToString());
            Assert.IsTrue(File.Exists(tasksAssembly), tasks.ToString());
        }

        var question = product.Build(env, "--no-restore", "-question");
        Assert.AreEqual(0, question.ExitCode, "a second build must have nothing to do:\n" + question);

        // Added with an old timestamp, as git checkout or cp -p would: mtimes alone would miss it.
        var added = product.Write("workorders/WO-03.json", WorkOrderFiles.Creating("WO-03", "src/Farewell.cs"));
        File.SetLastWriteTimeUtc(added, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var stale = product.Build(env, "--no-restore", "-question");
        Assert.AreNotEqual(0, stale.ExitCode, "an added work order must make the build out of date:\n" + stale);
        var third = product.Build(env, "--no-restore", "-v:n");
        Assert.AreEqual(0, third.ExitCode, third.ToString());
        StringAssert.Contains(third.Output, "VerifyContract: 3 work order(s)");

        File.Delete(added);
        var fourth = product.Build(env, "--no-restore", "-v:n");
        Assert.AreEqual(0, fourth.ExitCode, fourth.ToString());
        StringAssert.Contains(fourth.Output, "VerifyContract: 2 work order(s)");
    }

    [TestMethod]
    public void Multi_targeted_project_is_verified_by_the_outer_build()
    {
        using var product = new ProductRepo(PackageFeed.Get(),
            "<PropertyGroup><TargetFramework></TargetFramework><TargetFrameworks>net10.0</TargetFrameworks></PropertyGroup>");
        product.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/Greeter.cs"));

        var build = product.Build(null, "-v:n");

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        var runs = build.Output.Split('\n').Count(l => l.Contains("VerifyContract: 1 work order(s)", StringComparison.Ordinal));
        Assert.AreEqual(1, runs, build.Output);
    }
}
