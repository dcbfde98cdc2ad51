using System.Text.Json;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Planning;

/// <summary>
/// Writes a compiled plan: every <c>WO-NN.json</c>, then <see cref="Manifest.FileName"/> last, each atomically,
/// 2-space indented with a trailing newline. The overwrite check of the original's <c>check_overwrite</c>
/// runs in <see cref="CheckOutDir"/>, which the compiler calls before spending anything on the model.
/// </summary>
public static class PlanOutputWriter
{
    /// <summary>E400 when <paramref name="outDir"/> already holds work orders and overwriting was not asked for; E500 when it is a file.</summary>
    public static Diagnostic? CheckOutDir(string outDir, bool overwrite)
    {
        if (File.Exists(outDir))
        {
            return DiagnosticCatalog.Create("E500", $"output directory '{outDir}' is a file") with { File = outDir };
        }
        var existing = ExistingPlanFiles(outDir);
        if (existing.Count == 0 || overwrite) return null;
        return DiagnosticCatalog.Create("E400",
            $"output directory '{outDir}' already holds work orders ({string.Join(", ", existing.Take(3).Select(Path.GetFileName))}{(existing.Count > 3 ? ", …" : "")}); pass --overwrite to replace them")
            with { File = outDir };
    }

    /// <summary>The serialized bytes of one work order, exactly as written.</summary>
    public static string Serialize(WorkOrder workOrder) =>
        JsonSerializer.Serialize(workOrder, ContractJsonContext.Files.WorkOrder) + "\n";

    public static string Serialize(Manifest manifest) =>
        JsonSerializer.Serialize(manifest, ContractJsonContext.Files.Manifest) + "\n";

    /// <summary>
    /// Writes the plan and returns the paths written (manifest last). Stale <c>WO-*.json</c> files that the new
    /// plan does not contain are removed before the manifest is written, so the manifest always describes
    /// the directory it sits in. Throws <see cref="IOException"/>/<see cref="UnauthorizedAccessException"/>.
    /// </summary>
    public static IReadOnlyList<string> Write(string outDir, Manifest manifest)
    {
        Directory.CreateDirectory(outDir);
        var written = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var workOrder in manifest.WorkOrders)
        {
            // The validator's E001 already guarantees this; the id becomes a file name, so check again here.
            if (!IsSafeId(workOrder.Id)) throw new ArgumentException($"work-order id '{workOrder.Id}' is not of the form WO-NN", nameof(manifest));
            var path = Path.Combine(outDir, workOrder.Id + ".json");
            AtomicFile.WriteAllText(path, Serialize(workOrder));
            names.Add(Path.GetFileName(path));
            written.Add(path);
        }
        foreach (var stale in Directory.GetFiles(outDir, PlanLoader.WorkOrderFilePattern))
        {
            if (!names.Contains(Path.GetFileName(stale))) File.Delete(stale);
        }
        var manifestPath = Path.Combine(outDir, Manifest.FileName);
        AtomicFile.WriteAllText(manifestPath, Serialize(manifest));
        written.Add(manifestPath);
        return written;
    }

    private static bool IsSafeId(string id) =>
        id.Length is > 3 and <= 16 && id.StartsWith("WO-", StringComparison.Ordinal) && id.AsSpan(3).IndexOfAnyExceptInRange('0', '9') < 0;

    private static List<string> ExistingPlanFiles(string outDir)
    {
        if (!Directory.Exists(outDir)) return [];
        var files = Directory.GetFiles(outDir, PlanLoader.WorkOrderFilePattern).Order(StringComparer.Ordinal).ToList();
        var manifest = Path.Combine(outDir, Manifest.FileName);
        if (File.Exists(manifest)) files.Add(manifest);
        return files;
    }
}
