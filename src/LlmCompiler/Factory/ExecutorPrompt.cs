using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Llm;
using LlmCompiler.Secrets;

namespace LlmCompiler.Factory;

/// <summary>
/// Builds the executor's prompt from a work order, the attempt's checkout and the previous failure brief.
/// File contents are read without following symlinks, within a byte budget, and files that commonly hold
/// secrets are never sent.
/// </summary>
public static class ExecutorPrompt
{
    public const int DefaultContextBudgetBytes = 200 * 1024;
    public const string TemplateName = "executor.md";

    private static readonly string[] SecretFilePatterns = [".env", ".pem", ".pfx", ".p12", ".key", ".snk"];

    /// <param name="redactor">Masks secret values everywhere in the prompt, and secret shapes in the failure brief
    /// (command output may print credentials; repository files may legitimately hold key-shaped test data).</param>
    public static string Build(WorkOrder workOrder, string checkout, FailureBrief? previous, int budgetBytes = DefaultContextBudgetBytes, SecretRedactor? redactor = null) =>
        Build(workOrder, checkout, previous, budgetBytes, redactor, frozenTests: []);

    /// <param name="frozenTests">The tests written first (in the checkout), shown read-only; none renders the prompt as without tests.</param>
    internal static string Build(WorkOrder workOrder, string checkout, FailureBrief? previous, int budgetBytes, SecretRedactor? redactor, IReadOnlyList<string> frozenTests)
    {
        var values = SharedValues(workOrder, previous, redactor ??= SecretRedactor.ShapesOnly);
        values["POSTCONDITIONS"] = Bullets(workOrder.Postconditions.Where(c => c.Kind == ConditionKind.FileExists).Select(c => c.Path), "(none)");
        values["CONTEXT_FILES"] = ContextFiles(workOrder.ContextFiles.Concat(workOrder.AllowedFiles), checkout, budgetBytes);
        values["FROZEN_TESTS"] = frozenTests.Count == 0 ? "" : "## Frozen tests (read-only)\nThese tests were written before you and proven to fail without your change. Make them pass; never write,\nskip or exclude them (a proposal that writes one is refused, and every one of them must run and pass by name).\n\n"
            + ContextFiles(frozenTests, checkout, budgetBytes) + "\n\n";
        return Render(TemplateName, values, redactor);
    }

    /// <summary>
    /// The test author's prompt: the same work order, the tests as the files to write, the implementation's files as
    /// context it may not write, and the previous red run's verdict as its brief.
    /// </summary>
    internal static string BuildTestAuthor(WorkOrder workOrder, string checkout, FailureBrief? previous, int budgetBytes, SecretRedactor? redactor)
    {
        var values = SharedValues(workOrder, previous, redactor ??= SecretRedactor.ShapesOnly);
        values["TEST_FILES"] = Bullets(workOrder.TestFiles.Order(StringComparer.Ordinal));
        values["CONTEXT_FILES"] = ContextFiles(workOrder.ContextFiles.Concat(workOrder.AllowedFiles).Concat(workOrder.TestFiles), checkout, budgetBytes);
        return Render("test_author.md", values, redactor);
    }

    /// <summary>What both roles' prompts say of the work order, and the previous failure's brief.</summary>
    internal static Dictionary<string, string> SharedValues(WorkOrder workOrder, FailureBrief? previous, SecretRedactor redactor) => new()
    {
        ["WORK_ORDER_ID"] = workOrder.Id,
        ["TITLE"] = workOrder.Title,
        ["INTENT"] = workOrder.Intent,
        ["ALLOWED_FILES"] = Bullets(workOrder.AllowedFiles.Order(StringComparer.Ordinal)),
        ["FORBIDDEN"] = workOrder.Forbidden.Count == 0 ? "" : "## Forbidden\n" + Bullets(workOrder.Forbidden) + "\n\n",
        ["NOTES"] = string.IsNullOrWhiteSpace(workOrder.Notes) ? "" : "## Notes\n" + workOrder.Notes + "\n\n",
        ["ACCEPTANCE_COMMANDS"] = Bullets(workOrder.AcceptanceCommands.Select(c => "`" + c + "`"), "(none)"),
        ["EMPTY_SHA256"] = FileWrite.EmptySha256,
        ["FAILURE_BRIEF"] = previous is null ? "" : redactor.Redact(Brief(previous)),
    };

    internal static string Render(string template, Dictionary<string, string> values, SecretRedactor redactor) =>
        redactor.RedactExact(PromptText.Render(PromptText.LoadEmbedded("LlmCompiler.Factory.Prompts." + template), values));

    /// <summary>The files, each once, in path order (allowed files among them, so the model knows the base hash of what it must rewrite).</summary>
    private static string ContextFiles(IEnumerable<string> files, string checkout, int budgetBytes)
    {
        var paths = files.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var blocks = new List<string>();
        var remaining = budgetBytes;
        foreach (var path in paths)
        {
            var block = new StringBuilder($"### {path}\n");
            var full = Path.Combine(checkout, path);
            if (WriteGate.PathProblem(path) is not null || GoesThroughSymlink(checkout, path))
            {
                block.Append("(not shown: the path is not a plain repository file)\n");
            }
            else if (IO.FileKinds.Of(full) is var kind && kind == IO.FileKind.Missing)
            {
                block.Append("exists: false\nsha256: ").Append(FileWrite.EmptySha256).Append('\n');
            }
            else if (kind != IO.FileKind.Regular)
            {
                block.Append("(not shown: the path is not a regular file)\n");
            }
            else if (IsSecretLike(path))
            {
                block.Append("exists: true\n(not shown: files like this commonly hold secrets)\n");
            }
            else
            {
                // Hash the whole file by streaming; read into memory only what the budget lets us show.
                block.Append("exists: true\nsha256: ").Append(WriteGate.Sha256OfFile(full)).Append('\n');
                if (remaining <= 0)
                {
                    block.Append("...[context budget exhausted]\n");
                }
                else
                {
                    var length = new FileInfo(full).Length;
                    var shown = ReadPrefix(full, (int)Math.Min(length, remaining));
                    remaining -= shown.Length;
                    var text = Encoding.UTF8.GetString(shown);
                    block.Append("```\n").Append(text);
                    if (!text.EndsWith('\n')) block.Append('\n');
                    block.Append("```\n");
                    if (shown.Length < length) block.Append("...[truncated to fit the context budget]\n");
                }
            }
            blocks.Add(block.ToString());
        }
        return blocks.Count == 0 ? "(no files)" : string.Join("\n", blocks);
    }

    private static byte[] ReadPrefix(string path, int count)
    {
        var buffer = new byte[count];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var read = 0;
        while (read < count && stream.Read(buffer, read, count - read) is var n && n > 0) read += n;
        return read == count ? buffer : buffer[..read];
    }

    private static string Brief(FailureBrief brief)
    {
        var sb = new StringBuilder("## The previous attempt FAILED; fix this\n");
        sb.Append("Stage: ").Append(StageName(brief.Stage)).Append(" (").Append(brief.Code).Append(")\n");
        if (brief.Command is not null) sb.Append("Command: ").Append(brief.Command).Append('\n');
        if (brief.ExitCode is not null) sb.Append("Exit code: ").Append(brief.ExitCode).Append('\n');
        sb.Append("Error excerpt:\n").Append(brief.PrimaryErrorExcerpt).Append('\n');
        if (brief.ConstraintsReminder.Length > 0) sb.Append("Reminder: ").Append(brief.ConstraintsReminder).Append('\n');
        return sb.Append('\n').ToString();
    }

    public static string StageName(FailureStage stage) => stage switch
    {
        FailureStage.Preflight => "preflight",
        FailureStage.LlmOutputInvalid => "llm_output_invalid",
        FailureStage.WriteScopeViolation => "write_scope_violation",
        FailureStage.StaleContext => "stale_context",
        FailureStage.WriteFailed => "write_failed",
        FailureStage.VerifyFailed => "verify_failed",
        FailureStage.AcceptanceFailed => "acceptance_failed",
        FailureStage.ReviewBlocked => "review_blocked",
        _ => "exception",
    };

    private static string Bullets(IEnumerable<string> items, string empty = "") =>
        items.Any() ? string.Join("\n", items.Select(i => "  - " + i)) : empty;

    private static bool IsSecretLike(string path)
    {
        var name = Path.GetFileName(path);
        return name.StartsWith(".env", StringComparison.OrdinalIgnoreCase)
            || SecretFilePatterns.Any(p => name.EndsWith(p, StringComparison.OrdinalIgnoreCase))
            || name.StartsWith("secrets.", StringComparison.OrdinalIgnoreCase);
    }

    private static bool GoesThroughSymlink(string root, string path)
    {
        var current = root;
        foreach (var segment in path.Split('/'))
        {
            current = Path.Combine(current, segment);
            if (new FileInfo(current).LinkTarget is not null) return true;
        }
        return false;
    }
}
