-- Experiments' results per settled day (one before yesterday or older), variation and goal:
-- exposed visitors and those who reached the goal after exposure that day. A settled day's
-- events no longer change, so its tally is counted once and read from here after; the
-- results page then reads the exposures of the last two days only. Kept past the events'
-- retention, like the other rollups.
CREATE TABLE analytics_experiment_days (
    experiment   TEXT NOT NULL,
    goal         TEXT NOT NULL,
    day          BIGINT NOT NULL,
    variation    BIGINT NOT NULL,
    visitors     BIGINT NOT NULL,
    conversions  BIGINT NOT NULL,
    PRIMARY KEY (experiment, goal, day, variation)
);
