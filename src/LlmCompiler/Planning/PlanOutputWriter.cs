using System.Text.Json;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.IO;

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
            return DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"output directory '{outDir}' is a file") with { File = outDir };
        }
        var existing = ExistingPlanFiles(outDir);
        if (existing.Count == 0 || overwrite) return null;
        return DiagnosticCatalog.Create(DiagnosticCodes.OutputDirectoryNotEmpty,
            $"output directory '{outDir}' already holds work orders ({string.Join(", ", existing.Take(3).Select(Path.GetFileName))}{(existing.Count > 3 ? ", …" : "")}); pass --overwrite to replace them")
            with { File = outDir };
    }

    /// <summary>The serialized bytes of one work order, exactly as written.</summary>
    public static string Serialize(WorkOrder workOrder) =>
        JsonSerializer.Serialize(workOrder, ContractJsonContext.Files.WorkOrder) + "\n";

    public static string Serialize(Manifest manifest) =>
        JsonSerializer.Serialize(manifest, ContractJsonContext.Files.Manifest) + "\n";

    /// <summary>
    /// Writes the plan and returns the paths written (manifest last). Every file is first staged as a flushed temp
    /// file, so a failure while writing (disk full, permissions) changes nothing; then the work orders are renamed
    /// into place, stale <c>WO-*.json</c> files the new plan does not contain are removed, and the manifest is
    /// renamed last, so it always describes the folder it sits in.
    /// Throws <see cref="IOException"/>/<see cref="UnauthorizedAccessException"/>.
    /// </summary>
    public static IReadOnlyList<string> Write(string outDir, Manifest manifest)
    {
        Directory.CreateDirectory(outDir);
        var files = new List<(string Path, string Content)>();
        foreach (var workOrder in manifest.WorkOrders)
        {
            // The validator's E001 already guarantees this; the id becomes a file name, so check again here.
            if (!IsSafeId(workOrder.Id)) throw new ArgumentException($"work-order id '{workOrder.Id}' is not of the form WO-NN", nameof(manifest));
            files.Add((Path.Combine(outDir, workOrder.Id + ".json"), Serialize(workOrder)));
        }
        files.Add((Path.Combine(outDir, Manifest.FileName), Serialize(manifest)));

        var staged = new List<string>();
        try
        {
            foreach (var (path, content) in files) staged.Add(AtomicFile.Stage(path, content));
            var names = new HashSet<string>(files.Select(f => Path.GetFileName(f.Path)), StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < files.Count - 1; i++) File.Move(staged[i], files[i].Path, overwrite: true);
            foreach (var stale in Directory.GetFiles(outDir, PlanLoader.WorkOrderFilePattern))
            {
                if (!names.Contains(Path.GetFileName(stale))) File.Delete(stale);
            }
            File.Move(staged[^1], files[^1].Path, overwrite: true);
        }
        finally
        {
            foreach (var temp in staged) AtomicFile.Discard(temp);
        }
        return [.. files.Select(f => f.Path)];
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
