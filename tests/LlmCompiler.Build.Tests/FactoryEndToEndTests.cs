using System.Text.Json;
using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>
/// `dotnet build -t:Factory` with the real package against a loopback model: the first build lands the work
/// order; the second makes zero requests; the key that was really sent never reaches the binlog.
/// </summary>
[TestClass]
public sealed class FactoryEndToEndTests
{
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [TestMethod]
    public void Factory_lands_the_work_order_then_a_second_build_makes_no_request_and_the_binlog_has_no_key()
    {
        var greeter = "namespace Product;\n\npublic static class Greeter\n{\n    public static string Hello(string name) => $\"Hello, {name}!\";\n}\n";
        var answer = JsonSerializer.Serialize(new
        {
            summary = "Add Greeter.",
            writes = new[] { new { path = "src/Greeter.cs", base_sha256 = EmptySha256, content = greeter } },
        });
        using var server = new LoopbackChatServer(answer);
        using var outside = new TempDirectory("llmc-factory-logs");
        using var product = new ProductRepo(PackageFeed.Get(),
            $"<PropertyGroup><LlmcMode>live</LlmcMode><LlmcEndpoint>{server.Endpoint}</LlmcEndpoint><LlmcModel>loopback-model</LlmcModel><LlmcMaxAttempts>1</LlmcMaxAttempts></PropertyGroup>");
        product.Write("workorders/WO-01.json", """
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
            """);
        ChildProcess.GitOk(product.Root, "add", "-A");
        ChildProcess.GitOk(product.Root, "commit", "-q", "-m", "plan");
        var canary = $"sk-CANARY-{Guid.NewGuid():N}";
        var env = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = canary };
        var binlog = Path.Combine(outside.Path, "factory.binlog");

        var first = product.Build(env, "-t:Factory", $"-bl:{binlog}");

        Assert.AreEqual(0, first.ExitCode, first.ToString());
        Assert.AreEqual(1, server.Requests, first.ToString());
        Assert.AreEqual($"Bearer {canary}", server.AuthorizationHeaders.Single(), "the key must really have been read");
        StringAssert.Contains(first.Output, "Factory: WO-01 PASS after 1 attempt(s)");
        Assert.AreEqual(greeter, File.ReadAllText(product.PathOf("src/Greeter.cs")));
        var log = ChildProcess.Git(product.Root, "log", "-1", "--format=%B");
        StringAssert.Contains(log.Output, "Work-Order: WO-01");
        Assert.IsFalse(BinaryLog.Contains(binlog, canary), "the API key leaked into the binlog");
        Assert.IsFalse(first.Output.Contains(canary, StringComparison.Ordinal));

        var second = product.Build(env, "--no-restore", "-t:Factory");

        Assert.AreEqual(0, second.ExitCode, second.ToString());
        Assert.AreEqual(1, server.Requests, "the second build must not call the model:\n" + second);
        StringAssert.Contains(second.Output, "WO-01 already landed");
    }
}
