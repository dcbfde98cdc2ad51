using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Validation;

/// <summary>
/// E112: a test written first (<c>tests</c>) must be out of every executor's reach, so no work order may also list
/// it in <c>allowed_files</c> — its own (the executor would edit the test it must pass) or another's (a later work
/// order would rewrite it). Compared after the path rule's normalisation and ignoring case, as E109 is.
/// </summary>
internal static class TestsValidator
{
    public static void Validate(IReadOnlyList<BoundWorkOrder> workOrders, List<Diagnostic> errors)
    {
        if (workOrders.All(w => w.Value.TestFiles.Count == 0)) return;
        var writers = new Dictionary<string, List<(BoundWorkOrder Wo, string Spelling)>>(PlanGraph.PathComparer);
        foreach (var wo in workOrders)
        {
            foreach (var path in wo.Value.AllowedFiles)
            {
                if (!writers.TryGetValue(path, out var list)) writers[path] = list = [];
                list.Add((wo, path));
            }
        }
        foreach (var wo in workOrders)
        {
            for (var k = 0; k < wo.Value.TestFiles.Count; k++)
            {
                var test = wo.Value.TestFiles[k];
                if (!writers.TryGetValue(test, out var list)) continue;
                var (writer, spelling) = list[0];
                var whose = writer.DisplayId == wo.DisplayId ? "its own allowed_files" : $"{writer.DisplayId}'s allowed_files";
                var same = spelling == test ? "" : $" (as '{spelling}': the same file on a case-insensitive checkout)";
                errors.Add(wo.Map.CreateAtElement(DiagnosticCodes.TestInAllowedFiles, wo.DisplayId, "tests", k,
                    $"'{test}' is a test written first, and also in {whose}{same}; frozen tests are out of every executor's reach: remove it from allowed_files"));
            }
        }
    }
}
