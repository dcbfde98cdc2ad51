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
    public void FullDescription_IsTheCauseInPlainText()
    {
        var help = DiagnosticHelpParser.Parse(Document)["E101"];

        Assert.AreEqual(
            "A file_exists precondition names a file that nothing creates; see the contract or SARIF.",
            help.FullDescription);
    }

    [TestMethod]
    public void Text_IsCauseExampleAndFix_CodeKeptVerbatim()
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
    public void Markdown_IsTheSectionBody_WithRelativeLinksFlattened()
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
    public void Cause_RunsUpToTheExample_AndSectionsEndAtTheNextGroup()
    {
        var help = DiagnosticHelpParser.Parse(Document);

        CollectionAssert.AreEquivalent(new[] { "E101", "W102" }, help.Keys.ToArray());
        Assert.AreEqual("A property is not part of the contract.\n\nOnly spelling variants are suggested.", help["W102"].FullDescription);
        Assert.DoesNotContain("next group", help["E101"].Text);
        Assert.DoesNotContain("Factory", help["E101"].Markdown);
    }

    [TestMethod]
    public void CauseLabelOnItsOwn_TakesTheParagraphsAfterIt()
    {
        var help = DiagnosticHelpParser.Parse("<a id=\"e101\"></a>\n## E101 — Title\n\n**Cause.**\n\nThe real cause.\n\n**Example.**\n\n**Fix.** x");

        Assert.AreEqual("The real cause.", help["E101"].FullDescription);
    }

    [TestMethod]
    public void CrLfLineEndingsGiveTheSameHelp()
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
    public void SectionWithoutACause_IsLeftOut(string markdown) =>
        Assert.IsFalse(DiagnosticHelpParser.Parse(markdown).ContainsKey("E101"));

    [TestMethod]
    [DataRow("**Cause.** An `unterminated code span")]
    [DataRow("**Cause.** A [link without target")]
    [DataRow("**Cause.** A [link](without a closing parenthesis")]
    [DataRow("**Cause.** Text.\n\n**Example.**\n\n```\nan unterminated fence")]
    [DataRow("**Cause.** ``double `backtick` span``\n\n```")]
    public void MalformedMarkdown_StillGivesHelp(string body)
    {
        var help = DiagnosticHelpParser.Parse("<a id=\"e101\"></a>\n## E101 — Title\n\n" + body);

        Assert.IsTrue(help.TryGetValue("E101", out var e101));
        Assert.IsFalse(string.IsNullOrWhiteSpace(e101.FullDescription));
        Assert.StartsWith("Cause. ", e101.Text);
        Assert.StartsWith("**Cause.** ", e101.Markdown);
    }

    [TestMethod]
    public void UndocumentedCode_FallsBackToItsTitle()
    {
        var descriptor = new DiagnosticDescriptor("E999", DiagnosticSeverity.Error, "Not in the docs", "contract");

        Assert.AreEqual(new DiagnosticHelp("Not in the docs", "Not in the docs", "Not in the docs"), DiagnosticHelp.For(descriptor));
    }
}
