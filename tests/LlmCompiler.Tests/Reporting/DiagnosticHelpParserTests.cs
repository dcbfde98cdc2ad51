using LlmCompiler.Diagnostics;

namespace LlmCompiler.Tests.Reporting;

/// <summary>
/// How a section of <c>docs/diagnostics.md</c> becomes SARIF help. <see cref="DocsTests"/> checks the real file;
/// these pin the conversion on small documents, including broken ones.
/// </summary>
[TestClass]
public sealed class DiagnosticHelpParserTests
{
    private const string Document = """
        # Diagnostics reference

        Intro with a [link](other.md).

        <a id="e101"></a>
        ## E101 — Precondition cannot hold

        **Cause.** A `file_exists` precondition names a file
        that nothing creates; see [the contract](contract.md) or [SARIF](https://sarifweb.azurewebsites.net/).

        **Example.**

        ```json
        "preconditions": [{"kind": "file_exists", "path": "src/**/a.cs"}]
        ```

        ```
        plan.json(7,18): error E101: precondition cannot hold [WO-02]
        ```

        **Fix.** Reorder the work orders.

        --------------------------------------------------------------

        ## Factory (run time)

        Introduction of the next group, not part of E101.

        <a id="w102"></a>
        ## W102 — Unknown property

        **Cause.** A property is not part of the contract.

        Only spelling variants are suggested.

        **Example.**

        ```
        plan.json(3,5): warning W102: unknown property 'forbiden' [WO-01]
        ```

        **Fix.** Remove or rename it.
        """;

    [TestMethod]
    public void Full_description_is_the_cause_in_plain_text()
    {
        var help = DiagnosticHelpParser.Parse(Document)["E101"];

        Assert.AreEqual(
            "A file_exists precondition names a file that nothing creates; see the contract or SARIF.",
            help.FullDescription);
    }

    [TestMethod]
    public void Text_is_cause_example_and_fix_code_kept_verbatim()
    {
        var help = DiagnosticHelpParser.Parse(Document)["E101"];

        Assert.AreEqual(
            "Cause. A file_exists precondition names a file that nothing creates; see the contract or SARIF.\n\n" +
            "Example.\n\n" +
            "\"preconditions\": [{\"kind\": \"file_exists\", \"path\": \"src/**/a.cs\"}]\n\n" +
            "plan.json(7,18): error E101: precondition cannot hold [WO-02]\n\n" +
            "Fix. Reorder the work orders.",
            help.Text);
    }

    [TestMethod]
    public void Markdown_is_the_section_body_with_relative_links_flattened()
    {
        var help = DiagnosticHelpParser.Parse(Document)["E101"];

        Assert.AreEqual(
            "**Cause.** A `file_exists` precondition names a file\n" +
            "that nothing creates; see the contract or [SARIF](https://sarifweb.azurewebsites.net/).\n\n" +
            "**Example.**\n\n" +
            "```json\n\"preconditions\": [{\"kind\": \"file_exists\", \"path\": \"src/**/a.cs\"}]\n```\n\n" +
            "```\nplan.json(7,18): error E101: precondition cannot hold [WO-02]\n```\n\n" +
            "**Fix.** Reorder the work orders.",
            help.Markdown);
    }

    [TestMethod]
    public void Cause_runs_up_to_the_example_and_sections_end_at_the_next_group()
    {
        var help = DiagnosticHelpParser.Parse(Document);

        CollectionAssert.AreEquivalent(new[] { "E101", "W102" }, help.Keys.ToArray());
        Assert.AreEqual("A property is not part of the contract.\n\nOnly spelling variants are suggested.", help["W102"].FullDescription);
        Assert.DoesNotContain("next group", help["E101"].Text);
        Assert.DoesNotContain("Factory", help["E101"].Markdown);
    }

    [TestMethod]
    public void Cause_label_on_its_own_takes_the_paragraphs_after_it()
    {
        var help = DiagnosticHelpParser.Parse("<a id=\"e101\"></a>\n## E101 — Title\n\n**Cause.**\n\nThe real cause.\n\n**Example.**\n\n**Fix.** x");

        Assert.AreEqual("The real cause.", help["E101"].FullDescription);
    }

    [TestMethod]
    public void Cr_lf_line_endings_give_the_same_help()
    {
        var lf = DiagnosticHelpParser.Parse(Document)["E101"];
        var crlf = DiagnosticHelpParser.Parse(Document.Replace("\n", "\r\n", StringComparison.Ordinal))["E101"];

        Assert.AreEqual(lf, crlf);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("<a id=\"e101\"></a>")]
    [DataRow("<a id=\"e101\"></a>\n## E101 — Title\n\n**Cause.**\n\n**Example.**")]
    [DataRow("<a id=\"e101\"></a>\n## E101 — Title\n\n**Example.** the cause is missing\n\n**Fix.** x")]
    [DataRow("<a id=\"e101\"></a>\n## E101 — Title\n\n```\n**Cause.** inside a code block\n```")]
    public void Section_without_a_cause_is_left_out(string markdown) =>
        Assert.IsFalse(DiagnosticHelpParser.Parse(markdown).ContainsKey("E101"));

    [TestMethod]
    [DataRow("**Cause.** An `unterminated code span")]
    [DataRow("**Cause.** A [link without target")]
    [DataRow("**Cause.** A [link](without a closing parenthesis")]
    [DataRow("**Cause.** Text.\n\n**Example.**\n\n```\nan unterminated fence")]
    [DataRow("**Cause.** ``double `backtick` span``\n\n```")]
    public void Malformed_markdown_still_gives_help(string body)
    {
        var help = DiagnosticHelpParser.Parse("<a id=\"e101\"></a>\n## E101 — Title\n\n" + body);

        Assert.IsTrue(help.TryGetValue("E101", out var e101));
        Assert.IsFalse(string.IsNullOrWhiteSpace(e101.FullDescription));
        Assert.StartsWith("Cause. ", e101.Text);
        Assert.StartsWith("**Cause.** ", e101.Markdown);
    }

    [TestMethod]
    public void Undocumented_code_falls_back_to_its_title()
    {
        var descriptor = new DiagnosticDescriptor("E999", DiagnosticSeverity.Error, "Not in the docs", "contract");

        Assert.AreEqual(new DiagnosticHelp("Not in the docs", "Not in the docs", "Not in the docs"), DiagnosticHelp.For(descriptor));
    }
}
