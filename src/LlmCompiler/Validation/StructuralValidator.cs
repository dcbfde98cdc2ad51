using System.Text.RegularExpressions;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Validation;

/// <summary>
/// Per-work-order checks (original §2.2 with CONTRACT.md §3): one pass emitting E001 for every work order,
/// then per work order E003/E007 per command, E006 per command, E004 (allowed_files, then context_files)
/// and the schema findings (E005). Warnings from binding (W102) are returned separately.
/// </summary>
internal static partial class StructuralValidator
{
    /// <param name="unreadable">Plan positions of work-order files that could not be read: they keep their slot, so the
    /// files after them are not reported as renumbered.</param>
    public static void Validate(IReadOnlyList<BoundWorkOrder> workOrders, IReadOnlyList<AcceptanceCommand[]> commands,
        PythonSyntaxChecker? python, List<Diagnostic> errors, List<Diagnostic> warnings, IReadOnlyList<int>? unreadable = null)
    {
        for (var i = 0; i < workOrders.Count; i++) CheckId(workOrders[i], unreadable is { Count: > 0 } ? workOrders[i].Index : i, errors);

        var syntax = CheckPython(commands, python, warnings);
        for (var w = 0; w < workOrders.Count; w++)
        {
            var wo = workOrders[w];
            var woCommands = commands[w];
            for (var c = 0; c < woCommands.Length; c++)
            {
                var command = woCommands[c];
                if (!command.Tokens.IsParsed)
                {
                    errors.Add(wo.Map.CreateAtElement(DiagnosticCodes.UntokenisableCommand, wo.DisplayId, "acceptance_commands", c,
                        $"acceptance command cannot be tokenised ({command.Tokens.Error}): {command.Text}"));
                }
                else if (command.Tokens.ShellOperators.Count > 0)
                {
                    var ops = string.Join(", ", command.Tokens.ShellOperators.Select(o => $"'{o}'"));
                    errors.Add(wo.Map.CreateAtElement(DiagnosticCodes.ShellOperator, wo.DisplayId, "acceptance_commands", c,
                        $"acceptance command contains shell operator {ops} outside quotes, but commands run as argv without a shell: {command.Text}"));
                }
            }
            for (var c = 0; c < woCommands.Length && syntax.Count > 0; c++)
            {
                if (syntax.TryGetValue((w, c), out var error))
                {
                    var line = error.Line > 0 ? $" (line {error.Line})" : "";
                    errors.Add(wo.Map.CreateAtElement(DiagnosticCodes.PythonSyntaxError, wo.DisplayId, "acceptance_commands", c,
                        $"Python syntax error{line}: {error.Message} in: {woCommands[c].Text}"));
                }
            }
            if (wo.ShapeDiagnostics.Count == 0) continue;
            errors.AddRange(wo.ShapeDiagnostics.Where(d => d.Code == DiagnosticCodes.GlobInFileList));
            errors.AddRange(wo.ShapeDiagnostics.Where(d => d.IsError && d.Code != DiagnosticCodes.GlobInFileList));
            warnings.AddRange(wo.ShapeDiagnostics.Where(d => !d.IsError));
        }
    }

    private static void CheckId(BoundWorkOrder wo, int index, List<Diagnostic> errors)
    {
        if (wo.IdShape == IdShape.Present && IsExactly(wo.Value.Id, index + 1)) return;
        // A plan past WO-99 has hundreds of ids that fail the pattern; the expected id is spelt only where a message uses it.
        string? message = wo.IdShape switch
        {
            IdShape.Missing => $"id is missing; expected '{Expected(index)}'",
            IdShape.NotString => $"id must be a string like '{Expected(index)}'",
            _ when !IdPattern().IsMatch(wo.Value.Id) => $"id '{wo.Value.Id}' does not match pattern WO-NN",
            _ when wo.Value.Id != Expected(index) => $"id '{wo.Value.Id}' should be '{Expected(index)}' (ids must be contiguous from WO-01)",
            _ => null,
        };
        if (message is not null) errors.Add(wo.Map.Create(DiagnosticCodes.BadWorkOrderId, wo.DisplayId, "id", message));
    }

    private static string Expected(int index) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"WO-{index + 1:00}");

    // The id of a valid plan, recognised without formatting the expected id or running the pattern.
    private static bool IsExactly(string id, int number) =>
        number <= 99 && id.Length == 5 && id.StartsWith("WO-", StringComparison.Ordinal) && id[3] == '0' + number / 10 && id[4] == '0' + number % 10;

    /// <summary>Runs every python -c snippet of the plan through one interpreter process.</summary>
    private static Dictionary<(int Wo, int Command), PythonSyntaxError> CheckPython(
        IReadOnlyList<AcceptanceCommand[]> commands, PythonSyntaxChecker? python, List<Diagnostic> warnings)
    {
        var found = new Dictionary<(int, int), PythonSyntaxError>();
        var keys = new List<(int, int)>();
        var snippets = new List<string>();
        for (var w = 0; w < commands.Count; w++)
        {
            for (var c = 0; c < commands[w].Length; c++)
            {
                if (commands[w][c].PythonCode is { } code)
                {
                    keys.Add((w, c));
                    snippets.Add(code);
                }
            }
        }
        if (snippets.Count == 0 || python is null) return found;
        var results = python.IsAvailable ? python.Check(snippets) : null;
        if (results is null)
        {
            var why = python.IsAvailable ? $"the interpreter '{python.Interpreter}' could not be run" : "no Python interpreter was found";
            warnings.Add(DiagnosticCatalog.Create(DiagnosticCodes.PythonChecksSkipped, $"{snippets.Count} python -c command(s) were not syntax-checked: {why}"));
            return found;
        }
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i] is { } error) found[keys[i]] = error;
        }
        return found;
    }

    [GeneratedRegex(@"^WO-\d{2}$")]
    private static partial Regex IdPattern();
}
