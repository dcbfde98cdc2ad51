using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>
/// `dotnet build -t:Factory` with the real package against a loopback model: the first build lands the work
/// order; the second makes zero requests; the key that was really sent never reaches the binlog.
/// </summary>
[TestClass]
public sealed class FactoryEndToEndTests
{
    private const string Greeter = "namespace Product;\n\npublic static class Greeter\n{\n    public static string Hello(string name) => $\"Hello, {name}!\";\n}\n";

    /// <summary>WO-01 creates src/Greeter.cs; its acceptance (<c>git --version</c>) always passes.</summary>
    private const string WorkOrder = """
        {
          "id": "WO-01",
          "title": "Add Greeter",
          "intent": "Create src/Greeter.cs with a static Hello(name) method.",
          "preconditions": [{"kind": "file_absent", "path": "src/Greeter.cs"}],
          "postconditions": [{"kind": "file_exists", "path": "src/Greeter.cs"}],
          "allowed_files": ["src/Greeter.cs"],
          "forbidden": [],
          "acceptance_commands": ["git --version"],
          "context_files": [],
          "notes": null
        }
        """;

    private static readonly string Answer = WorkOrderFiles.ProposalCreating("Add Greeter.", ("src/Greeter.cs", Greeter));

    /// <summary>A product in live mode against the loopback model, one attempt per work order, WO-01 committed as the plan.</summary>
    private static ProductRepo LiveProduct(LoopbackLlmServer server)
    {
        var product = new ProductRepo(PackageFeed.Get(),
            $"<PropertyGroup><LlmcMode>live</LlmcMode><LlmcEndpoint>{server.BaseUrl}</LlmcEndpoint><LlmcModel>loopback-model</LlmcModel><LlmcMaxAttempts>1</LlmcMaxAttempts></PropertyGroup>");
        product.Write("workorders/WO-01.json", WorkOrder);
        ChildProcess.GitOk(product.Root, "add", "-A");
        ChildProcess.GitOk(product.Root, "commit", "-q", "-m", "plan");
        return product;
    }

    [TestMethod]
    public void Factory_lands_the_work_order_then_a_second_build_makes_no_request_and_the_binlog_has_no_key()
    {
        using var server = LoopbackLlmServer.AnsweringAsync(Answer).GetAwaiter().GetResult();
        using var outside = new TempDirectory("llmc-factory-logs");
        using var product = LiveProduct(server);
        var canary = $"sk-CANARY-{Guid.NewGuid():N}";
        var env = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = canary };
        var binlog = Path.Combine(outside.Path, "factory.binlog");

        var first = product.Build(env, "-t:Factory", $"-bl:{binlog}");

        Assert.AreEqual(0, first.ExitCode, first.ToString());
        Assert.AreEqual(1, server.RequestCount, first.ToString());
        Assert.AreEqual($"Bearer {canary}", server.Requests.Single().Authorization, "the key must really have been read");
        StringAssert.Contains(first.Output, "Factory: WO-01 PASS after 1 attempt(s)");
        Assert.AreEqual(Greeter, File.ReadAllText(product.PathOf("src/Greeter.cs")));
        var log = ChildProcess.Git(product.Root, "log", "-1", "--format=%B");
        StringAssert.Contains(log.Output, "Work-Order: WO-01");
        Assert.IsFalse(BinaryLog.Contains(binlog, canary), "the API key leaked into the binlog");
        Assert.IsFalse(first.Output.Contains(canary, StringComparison.Ordinal));

        var second = product.Build(env, "--no-restore", "-t:Factory");

        Assert.AreEqual(0, second.ExitCode, second.ToString());
        Assert.AreEqual(1, server.RequestCount, "the second build must not call the model:\n" + second);
        StringAssert.Contains(second.Output, "WO-01 already landed");
    }

    [TestMethod]
    public void Rewording_a_landed_work_order_warns_without_failing_and_revert_plus_LlmcRerun_applies_the_edit()
    {
        using var server = LoopbackLlmServer.AnsweringAsync(Answer).GetAwaiter().GetResult();
        using var product = LiveProduct(server);
        var env = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-CANARY-m7" };
        var landedRun = product.Build(env, "-t:Factory");
        Assert.AreEqual(0, landedRun.ExitCode, landedRun.ToString());
        var landed = ChildProcess.Git(product.Root, "rev-parse", "HEAD").Output.Trim();

        product.Write("workorders/WO-01.json", WorkOrder.Replace("with a static Hello(name) method.", "with a static Hello(name) method that greets by name.", StringComparison.Ordinal));
        ChildProcess.GitOk(product.Root, "commit", "-q", "-am", "Reword WO-01");
        var build = product.Build(env, "--no-restore");
        var factory = product.Build(env, "--no-restore", "-t:Factory");

        Assert.AreEqual(0, build.ExitCode, "an edited landed work order must not fail the build:\n" + build);
        var w104 = ProductRepo.Diagnostics(build.Output).Where(d => d.Code == "W104").ToList();
        Assert.HasCount(1, w104, build.ToString());
        StringAssert.Contains(w104[0].Message, $"landed in {landed[..12]}");
        StringAssert.EndsWith(w104[0].File.Replace('\\', '/'), "workorders/WO-01.json");
        Assert.IsFalse(ProductRepo.Diagnostics(build.Output).Any(d => d.Code.StartsWith('E')), build.ToString());
        Assert.AreEqual(0, factory.ExitCode, factory.ToString());
        StringAssert.Contains(factory.Output, "WO-01 already landed");
        Assert.AreEqual(1, server.RequestCount, "the landed version counts: no new call");

        // The documented way to apply the edit: revert what the old version did, then run that work order again.
        ChildProcess.GitOk(product.Root, "revert", "--no-edit", landed);
        var refused = product.Build(env, "--no-restore", "-t:Factory");
        var rerun = product.Build(env, "--no-restore", "-t:Factory", "-p:LlmcRerun=WO-01");

        Assert.AreNotEqual(0, refused.ExitCode, "reverted work is not done:\n" + refused);
        StringAssert.Contains(refused.Output, "WO-01.json : error E219: an earlier version of WO-01 landed in");
        Assert.AreEqual(0, rerun.ExitCode, rerun.ToString());
        Assert.AreEqual(2, server.RequestCount);
        Assert.AreEqual(Greeter, File.ReadAllText(product.PathOf("src/Greeter.cs")));
        StringAssert.Contains(ChildProcess.Git(product.Root, "log", "-1", "--format=%B").Output, "Work-Order: WO-01");
    }
}
