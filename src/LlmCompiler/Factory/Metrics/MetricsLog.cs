using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmCompiler.Factory.Metrics;

/// <summary>Appends metrics records to <c>.llmc/metrics.jsonl</c>, one JSON object per line (the ledger's shape, beside it).</summary>
public static class MetricsLog
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DictionaryKeyPolicy = null, WriteIndented = false,
        NumberHandling = JsonNumberHandling.Strict, TypeInfoResolver = MetricsJsonContext.Default,
    };

    /// <summary>Appends the work orders' lines, then the run's; an I/O failure is returned, never thrown (the run's work is done).</summary>
    public static string? Append(string root, RunMetrics run, IEnumerable<WorkOrderMetrics> workOrders)
    {
        var sb = new StringBuilder();
        foreach (var wo in workOrders) sb.Append(JsonSerializer.Serialize(wo, Json)).Append('\n');
        sb.Append(JsonSerializer.Serialize(run, Json)).Append('\n');
        try
        {
            var path = IO.RepositoryLayout.MetricsPathOf(root);
            IO.SafeFile.EnsureNoLinksBelow(root, path);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            using var gate = IO.FileMutex.Acquire(path + ".lock", TimeSpan.FromSeconds(30));
            File.AppendAllText(path, sb.ToString(), new UTF8Encoding(false));
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IO.ToolStateException)
        {
            return ex.Message;
        }
    }
}

[JsonSerializable(typeof(WorkOrderMetrics))]
[JsonSerializable(typeof(RunMetrics))]
internal sealed partial class MetricsJsonContext : JsonSerializerContext;
