using System.Text.Json;
using LlmCompiler.IO;

namespace LlmCompiler.Factory.Records;

/// <summary>
/// How one node of a fanned-out run ended, and what its model session used, written by the node and read by the
/// run's landing for the run's totals. A file, not MSBuild task outputs: MSBuild drops every output of a parallel
/// MSBuild task as soon as one of its projects fails, and a failed node is exactly the one whose spending must count.
/// </summary>
public sealed record NodeOutcomeRecord
{
    public required string WorkOrderId { get; init; }
    public required string Verdict { get; init; }
    public int Attempts { get; init; }
    public int Calls { get; init; }
    public int CassetteHits { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal CostUsd { get; init; }
    public IReadOnlyList<string> UnpricedModels { get; init; } = [];
    public string? Slot { get; init; }
    public DateTimeOffset? Started { get; init; }
    public DateTimeOffset? Finished { get; init; }

    /// <summary>The node's own run (its artifacts under <c>.llmc/runs/factory/</c>) and the commit it kept.</summary>
    public string? RunId { get; init; }
    public string? Commit { get; init; }

    /// <summary>The node's metrics line; its landing writes it with the run's.</summary>
    public Metrics.WorkOrderMetrics? Metrics { get; init; }

    public void Write(string root, string runId)
    {
        var directory = RepositoryLayout.NodeRecordsDirectoryOf(root, runId);
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, WorkOrderId + ".json"), JsonSerializer.Serialize(this, FactoryJsonContext.Default.NodeOutcomeRecord));
    }

    /// <summary>Every node record of the run, by work order id; unreadable ones are skipped (the totals are then a lower bound).</summary>
    public static IReadOnlyList<NodeOutcomeRecord> ReadAll(string root, string runId)
    {
        var directory = RepositoryLayout.NodeRecordsDirectoryOf(root, runId);
        if (!Directory.Exists(directory)) return [];
        var records = new List<NodeOutcomeRecord>();
        foreach (var file in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllText(file), FactoryJsonContext.Default.NodeOutcomeRecord) is { } record) records.Add(record);
            }
            catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
            {
            }
        }
        return records;
    }
}
