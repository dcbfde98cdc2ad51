using LlmCompiler.Configuration.Roles;
using LlmCompiler.Factory.Health;

namespace LlmCompiler.Tests.Factory.Tiers;

/// <summary>The run's health budget as a table of events and what it then allows.</summary>
[TestClass]
public sealed class RunHealthTests
{
    private static readonly HealthLimits Small = new() { MaxFailedAttempts = 3, MaxFailedWorkOrders = 2, MaxTransportFailures = 2 };

    [TestMethod]
    [DataRow(0, true)]
    [DataRow(2, true)]
    [DataRow(3, false)]
    [DataRow(5, false)]
    public void Failed_attempts_stop_the_run_at_the_limit(int failed, bool allowed)
    {
        var health = new RunHealth(Small);
        for (var i = 0; i < failed; i++) health.AttemptFailed();
        Assert.AreEqual(allowed, health.BeforeAttempt("WO-01") is null);
        Assert.AreEqual(allowed, health.BeforeCall("WO-02") is null, "a call asks the same budget");
        Assert.AreEqual(allowed, health.BeforeStart("WO-03") is null, "a stopped run starts nothing");
        if (!allowed)
        {
            Assert.AreEqual("E229", health.BeforeAttempt("WO-09")!.Code);
            Assert.AreEqual("WO-09", health.BeforeAttempt("WO-09")!.WoId);
            Assert.AreEqual("E233", health.BeforeStart("WO-03")!.Code);
        }
    }

    [TestMethod]
    [DataRow("E301", 1, true)]
    [DataRow("E301", 2, false)]
    [DataRow("E308", 2, false)]
    [DataRow("E303", 5, true)]
    [DataRow("E306", 5, true)]
    public void Only_transport_failures_and_deadlines_count_against_the_transport_limit(string code, int times, bool allowed)
    {
        var health = new RunHealth(Small);
        for (var i = 0; i < times; i++) health.CallFailed(code);
        Assert.AreEqual(allowed, health.BeforeCall("WO-01") is null);
        if (!allowed) Assert.AreEqual("E231", health.BeforeCall("WO-01")!.Code);
    }

    [TestMethod]
    public void Failed_work_orders_stop_new_work_but_let_running_work_call()
    {
        var health = new RunHealth(Small);
        Assert.IsNull(health.WorkOrderFailed("WO-01", "CS0246: The type or namespace name 'Foo' could not be found"));
        Assert.IsNull(health.BeforeStart("WO-03"));
        var stop = health.WorkOrderFailed("WO-02", "CS1002: ; expected");
        Assert.AreEqual("E230", stop!.Code);
        Assert.AreEqual("E233", health.BeforeStart("WO-03")!.Code);
        StringAssert.Contains(health.BeforeStart("WO-03")!.Message, "E230");
        Assert.IsNull(health.BeforeAttempt("WO-04"), "running work orders finish");
        Assert.IsNull(health.BeforeCall("WO-04"));
    }

    [TestMethod]
    [DataRow(new[] { "NU1101: a", "NU1101: a", "NU1101: a" }, new[] { "WO-01", "WO-02", "WO-03" }, true)]
    [DataRow(new[] { "NU1101: a", "NU1101: a" }, new[] { "WO-01", "WO-02" }, false)]
    [DataRow(new[] { "NU1101: a", "NU1101: a", "NU1101: a" }, new[] { "WO-01", "WO-01", "WO-01" }, false)]
    [DataRow(new[] { "NU1101: a", "NU1101: b", "NU1101: a" }, new[] { "WO-01", "WO-02", "WO-03" }, false)]
    [DataRow(new[] { "MSB4019: x", "MSB4019: x", "MSB4019: x", "CS0246: y" }, new[] { "WO-01", "WO-02", "WO-03", "WO-04" }, true)]
    public void Three_different_work_orders_with_the_same_first_diagnostic_are_a_systemic_stop(string[] signatures, string[] workOrders, bool systemic)
    {
        var health = new RunHealth(Small with { MaxFailedWorkOrders = 100 });
        string? code = null;
        for (var i = 0; i < signatures.Length; i++) code ??= health.WorkOrderFailed(workOrders[i], signatures[i])?.Code;
        Assert.AreEqual(systemic ? "E232" : null, code);
        Assert.AreEqual(systemic, health.BeforeCall("WO-09") is not null);
        if (systemic) StringAssert.Contains(health.Stopped!.Message, "probably the environment");
    }

    [TestMethod]
    public void A_failure_without_a_tool_diagnostic_never_makes_a_systemic_stop()
    {
        var health = new RunHealth(Small with { MaxFailedWorkOrders = 100 });
        for (var i = 1; i <= 5; i++) Assert.IsNull(health.WorkOrderFailed($"WO-0{i}", null));
        Assert.IsNull(health.BeforeCall("WO-09"));
    }

    [TestMethod]
    public void The_nodes_of_a_fanned_out_run_share_one_budget_through_its_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"llmc-health-{Guid.NewGuid():N}", "run.json");
        try
        {
            // Two processes in the real run; two instances on one file here.
            var node1 = new RunHealth(Small, file);
            var node2 = new RunHealth(Small, file);
            node1.AttemptFailed();
            node2.AttemptFailed();
            Assert.IsNull(node1.BeforeAttempt("WO-01"));
            node1.AttemptFailed();
            Assert.AreEqual("E229", node2.BeforeCall("WO-02")!.Code, "node 2 sees node 1's failures");
            Assert.AreEqual("E229", new RunHealth(Small, file).Stopped!.Code, "the stop survives in the file, diagnostic and all");
            Assert.AreEqual(3, new RunHealth(Small, file).FailedAttempts);

            Assert.IsNull(node1.WorkOrderFailed("WO-01", "NU1101: x"));
            Assert.IsNotNull(node2.WorkOrderFailed("WO-02", "NU1101: x"), "the second failed work order is node 2's, the limit is the run's");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }
}
