using System.Buffers;
using System.Globalization;
using System.Text;
using Zones.Api.Locations;
using Zones.Errors;
using Zones.Geofencing;

namespace Zones.ApiTests;

/// <summary>The fast reader must never disagree with the general validation: whatever it accepts, the general
/// path accepts with the same pings; whatever it gives up on goes to the general path unchanged.</summary>
public sealed class PingReaderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000);
    private static readonly long T = Now.ToUnixTimeMilliseconds();
    private static readonly long MaxTimestamp = (Now + LocationRequests.MaxClockAhead).ToUnixTimeMilliseconds();
    private static readonly long MinTimestamp = (Now - LocationRequests.DefaultMaxPingAge).ToUnixTimeMilliseconds();

    private static LocationBatch? Fast(string json) =>
        PingReader.TryRead(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)), PingWindow.At(Now, LocationRequests.DefaultMaxPingAge));

    /// <summary>The general path's answer: the batch, or the error details.</summary>
    private static (LocationBatch? Batch, IReadOnlyList<ErrorDetail>? Errors) General(string json)
    {
        try
        {
            return (LocationRequests.Parse(Api.Infrastructure.JsonBody.ParseObject(Encoding.UTF8.GetBytes(json)), Now), null);
        }
        catch (ZonesException exception)
        {
            return (null, exception.Details);
        }
    }

    private static void AssertSame(LocationBatch expected, LocationBatch actual)
    {
        Assert.Equal(expected.DeviceId, actual.DeviceId);
        Assert.Equal(expected.Pings.ToArray(), actual.Pings.ToArray());
    }

    [Fact]
    public void A_plain_batch_is_read_in_one_pass_exactly_as_the_general_path_reads_it()
    {
        var json = $$"""
            {"deviceId":"  phone-1 ","pings":[
              {"latitude":52.5,"longitude":13.4,"accuracy":5,"timestamp":{{T}},"speed":1.5,"heading":90},
              {"latitude":-90,"longitude":180,"accuracy":null,"timestamp":{{T - 1000}},"extra":{"a":[1,2,{"b":3} ] } }],
             "unknown":[1,2,3]}
            """;

        var fast = Fast(json);

        Assert.NotNull(fast);
        AssertSame(General(json).Batch!, fast);
        Assert.Equal("phone-1", fast.DeviceId);
    }

    [Theory]
    [InlineData("""{"pings":[]}""")]
    [InlineData("""{"pings":[{"latitude":91,"longitude":1,"timestamp":1750000000000}]}""")]
    [InlineData("""{"pings":[{"latitude":1,"longitude":1}]}""")]
    [InlineData("""{"pings":[{"latitude":"1","longitude":1,"timestamp":1750000000000}]}""")]
    [InlineData("""{"pings":[{"latitude":1,"longitude":1,"timestamp":5.5}]}""")]
    [InlineData("""{"pings":[{"latitude":1,"longitude":1,"timestamp":0}]}""")]
    [InlineData("""{"pings":[{"latitude":1e999,"longitude":1,"timestamp":1750000000000}]}""")]
    [InlineData("""{"pings":[{"latitude":1,"longitude":1,"timestamp":1750000000000,"heading":361}]}""")]
    [InlineData("""{"pings":[{"latitude":1,"longitude":1,"timestamp":1750000000000,"accuracy":-1}]}""")]
    [InlineData("""{"pings":[{"latitude":1,"longitude":1,"timestamp":1750000000000}],"deviceId":7}""")]
    [InlineData("""{"pings":{}}""")]
    [InlineData("""{"pings":[1]}""")]
    [InlineData("""[{"pings":[]}]""")]
    [InlineData("""{"pings":[{"latitude":1,"longitude":1,"timestamp":1750000000000}]} trailing""")]
    [InlineData("""{"pings":[{"latitude":1,"longitude":1,"timestamp":1750000000000}]""")]
    [InlineData("")]
    public void An_invalid_body_is_left_to_the_general_path_which_names_the_problem(string json)
    {
        Assert.Null(Fast(json));
        Assert.NotEmpty(General(json).Errors ?? []);
    }

    [Theory]
    [InlineData("""{"Pings":[{"latitude":1,"longitude":1,"timestamp":1750000000000}]}""")]
    [InlineData("""{"pings":[{"Latitude":1,"longitude":1,"timestamp":1750000000000}]}""")]
    [InlineData("""{"pings":[{"latitude":1,"latitude":2,"longitude":1,"timestamp":1750000000000}]}""")]
    [InlineData("""{"pings":[{"latitude":1,"longitude":1,"timestamp":1750000000000}],"pings":[{"latitude":2,"longitude":1,"timestamp":1750000000000}]}""")]
    public void Unusual_but_valid_spellings_go_to_the_general_path_which_accepts_them(string json)
    {
        Assert.Null(Fast(json));
        Assert.NotNull(General(json).Batch);
    }

    [Fact]
    public void A_timestamp_just_inside_the_clock_limit_is_fast_and_one_past_it_is_not()
    {
        Assert.NotNull(Fast($$"""{"pings":[{"latitude":1,"longitude":1,"timestamp":{{MaxTimestamp}}}]}"""));
        Assert.Null(Fast($$"""{"pings":[{"latitude":1,"longitude":1,"timestamp":{{MaxTimestamp + 1}}}]}"""));
    }

    [Fact]
    public void A_timestamp_just_inside_the_age_horizon_is_fast_and_one_older_goes_to_the_general_path_which_names_it()
    {
        Assert.NotNull(Fast($$"""{"pings":[{"latitude":1,"longitude":1,"timestamp":{{MinTimestamp}}}]}"""));
        var old = $$"""{"pings":[{"latitude":1,"longitude":1,"timestamp":{{MinTimestamp - 1}}}]}""";

        Assert.Null(Fast(old));
        Assert.Equal("pings[0].timestamp", Assert.Single(General(old).Errors!).Field);
    }

    [Fact]
    public void A_thousand_pings_are_read_and_a_thousand_and_one_are_not()
    {
        string Body(int n) => "{\"pings\":[" + string.Join(",", Enumerable.Range(0, n).Select(i =>
            $"{{\"latitude\":1,\"longitude\":1,\"timestamp\":{T - i}}}")) + "]}";

        Assert.Equal(LocationRequests.MaxPings, Fast(Body(LocationRequests.MaxPings))!.Pings.Count);
        Assert.Null(Fast(Body(LocationRequests.MaxPings + 1)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void A_body_that_arrives_in_pieces_is_read_as_if_it_came_whole(int pieceBytes)
    {
        var json = "{\"deviceId\":\"phone\",\"pings\":[" + string.Join(",", Enumerable.Range(0, 200).Select(i =>
            $"{{\"latitude\":52.{i},\"longitude\":13.{i},\"accuracy\":5,\"timestamp\":{T - i}}}")) + "]}";
        var bytes = Encoding.UTF8.GetBytes(json);

        var inPieces = PingReader.TryRead(Pieces(bytes, pieceBytes), PingWindow.At(Now, LocationRequests.DefaultMaxPingAge));

        Assert.NotNull(inPieces);
        AssertSame(Fast(json)!, inPieces);
        Assert.Null(PingReader.TryRead(Pieces(bytes.AsSpan(0, bytes.Length - 1).ToArray(), pieceBytes),
            PingWindow.At(Now, LocationRequests.DefaultMaxPingAge)));
    }

    /// <summary>The bytes as a pipe hands them over: a chain of segments of at most <paramref name="size"/> bytes.</summary>
    static ReadOnlySequence<byte> Pieces(byte[] bytes, int size)
    {
        Piece first = new(bytes.AsMemory(0, Math.Min(size, bytes.Length)), 0), last = first;
        for (var offset = size; offset < bytes.Length; offset += size)
        {
            last = last.Append(bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset)));
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    sealed class Piece : ReadOnlySequenceSegment<byte>
    {
        public Piece(ReadOnlyMemory<byte> memory, long runningIndex) => (Memory, RunningIndex) = (memory, runningIndex);

        public Piece Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Piece(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    [Fact]
    public void Random_bodies_never_make_the_two_paths_disagree()
    {
        var random = new Random(7);
        string[] names = ["latitude", "longitude", "accuracy", "timestamp", "speed", "heading", "other", "Latitude"];
        string[] values = ["0", "1.5", "-1", "91", "-181", "360", "361", "null", "\"x\"", "1e3", T.ToString(CultureInfo.InvariantCulture),
            (MaxTimestamp + 1).ToString(CultureInfo.InvariantCulture), (MinTimestamp - 1).ToString(CultureInfo.InvariantCulture),
            "true", "[]", "{}"];
        for (var round = 0; round < 2_000; round++)
        {
            var pings = Enumerable.Range(0, random.Next(0, 4)).Select(_ =>
                "{" + string.Join(",", Enumerable.Range(0, random.Next(0, 7)).Select(_ =>
                    $"\"{names[random.Next(names.Length)]}\":{values[random.Next(values.Length)]}")) + "}");
            var json = "{\"pings\":[" + string.Join(",", pings) + "]}";

            var fast = Fast(json);
            var general = General(json);
            if (fast is not null)
            {
                Assert.True(general.Batch is not null, json);
                AssertSame(general.Batch, fast);
            }
        }
    }
}
