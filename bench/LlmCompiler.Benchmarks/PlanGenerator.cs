using System.Text;

namespace LlmCompiler.Benchmarks;

/// <summary>
/// Builds realistic plans of any size: each work order creates a source file and its test, requires the
/// previous work order's output, is checked by <c>dotnet build</c>/<c>dotnet test</c> commands, and the plan
/// ends by satisfying a verify contract. Ids beyond WO-99 are not valid (E001), which the benchmark keeps:
/// the validator still runs every check on every work order.
/// </summary>
public static class PlanGenerator
{
    public static string Manifest(int workOrders)
    {
        var b = new StringBuilder(workOrders * 1_400);
        b.Append("{\n  \"system_overview\": [\"Generated plan for benchmarks.\", \"Each step adds a module and its tests.\"],\n");
        b.Append("  \"verify_contract\": {\"command\": \"dotnet test tests/App.Tests/App.Tests.csproj\", \"requires\": [")
         .Append("{\"kind\": \"file_exists\", \"path\": \"tests/App.Tests/App.Tests.csproj\"}, ")
         .Append($"{{\"kind\": \"file_exists\", \"path\": \"tests/App.Tests/Module{workOrders}Tests.cs\"}}]}},\n");
        b.Append("  \"work_orders\": [\n");
        for (var i = 1; i <= workOrders; i++)
        {
            var source = $"src/App/Module{i}.cs";
            var test = $"tests/App.Tests/Module{i}Tests.cs";
            var previous = i == 1 ? "src/App/App.csproj" : $"src/App/Module{i - 1}.cs";
            var extraPost = i == 1 ? ", {\"kind\": \"file_exists\", \"path\": \"tests/App.Tests/App.Tests.csproj\"}" : "";
            var extraAllowed = i == 1 ? ", \"tests/App.Tests/App.Tests.csproj\"" : "";
            b.Append("    {\n");
            b.Append($"      \"id\": \"WO-{i:00}\",\n");
            b.Append($"      \"title\": \"Module {i}\",\n");
            b.Append($"      \"intent\": \"Implement Module{i} on top of the previous module and cover it with unit tests.\",\n");
            b.Append($"      \"preconditions\": [{{\"kind\": \"file_exists\", \"path\": \"{previous}\"}}, {{\"kind\": \"file_absent\", \"path\": \"{source}\"}}],\n");
            b.Append($"      \"postconditions\": [{{\"kind\": \"file_exists\", \"path\": \"{source}\"}}, {{\"kind\": \"file_exists\", \"path\": \"{test}\"}}{extraPost}],\n");
            b.Append($"      \"allowed_files\": [\"{source}\", \"{test}\"{extraAllowed}],\n");
            b.Append("      \"forbidden\": [\"Do not change public APIs of earlier modules.\"],\n");
            b.Append($"      \"acceptance_commands\": [\"dotnet build src/App/App.csproj\", \"dotnet test tests/App.Tests/App.Tests.csproj --filter FullyQualifiedName~Module{i}Tests\"],\n");
            b.Append($"      \"context_files\": [\"{source}\", \"{test}\", \"{previous}\", \"src/App/App.csproj\"],\n");
            b.Append($"      \"notes\": \"Keep Module{i} free of I/O.\"\n");
            b.Append(i == workOrders ? "    }\n" : "    },\n");
        }
        b.Append("  ]\n}\n");
        return b.ToString();
    }

    /// <summary>A repository listing of <paramref name="count"/> files, including the ones the plan starts from.</summary>
    public static HashSet<string> RepoListing(int count)
    {
        var files = new HashSet<string>(StringComparer.Ordinal) { "src/App/App.csproj", "README.md", ".gitignore" };
        for (var i = 0; files.Count < count; i++)
        {
            files.Add($"lib/Area{i % 50}/Component{i}.cs");
        }
        return files;
    }
}
