#!/usr/bin/env python3
"""A synthetic news stream for story-clustering throughput: N articles about
fictional events, written from templates with generated names.

Every event (a strike, a quake, a trial...) has a type, a place, people and an
organisation, a date over three years, and 1 to 30 articles from different
outlets published within four days of it, each worded differently (sentences
drawn from the type's templates, shuffled, plus background sentences any
story might carry) and details only that event has. With a million articles
about 300 events run on any day, two dozen of each type: what tells two
strikes apart is who, where and when, as in real news. The
texts are generated here, not taken from any dataset.

Writes DIR/articles.jsonl (id, url, site, published, title, text) and
DIR/gold.jsonl (id, story), in publication order.

usage: gen_stories.py --articles N --seed S --out DIR [--days D]
"""

import argparse
import datetime as dt
import json
import os
import random

SYL = ["ka", "lo", "mer", "an", "vi", "tor", "sel", "da", "ri", "ben", "os", "ta", "mul", "ev", "gar", "ni",
       "pol", "ush", "ar", "fen", "li", "dor", "ma", "sk", "ve", "ron", "ti", "bal", "es", "qu", "ham", "yo"]

TYPES = {
    "strike": (["{p} workers walk out over pay at {org}", "Strike at {org} halts work in {place}"],
               ["Workers at {org} in {place} stopped work on {day}, demanding a {n} percent raise.",
                "The union led by {a} said the walkout would continue until {org} improved its offer.",
                "{b}, a spokesperson for {org}, called the stoppage unlawful.",
                "Pickets gathered outside the gates of {org} in {place} before dawn.",
                "Talks between the union and {org} broke down after {n} hours.",
                "Managers at {org} said about {n} hundred staff had joined the strike."]),
    "quake": (["Magnitude {m} earthquake strikes near {place}", "Quake near {place} kills {n}"],
              ["A magnitude {m} earthquake struck near {place} on {day}, the geological survey said.",
               "At least {n} people were killed and many buildings collapsed in {place}.",
               "Rescuers led by {a} searched the rubble through the night.",
               "{b} of the regional authority said aftershocks were still being felt.",
               "The epicentre lay {n} kilometres from {place}, at a shallow depth.",
               "{org} sent tents and water to the villages around {place}."]),
    "trial": (["{a} goes on trial in {place} over fraud at {org}", "Court in {place} hears case against {a}"],
              ["{a}, a former director of {org}, appeared before a court in {place} on {day}.",
               "Prosecutors accuse {a} of diverting {n} million from {org}.",
               "The defence lawyer, {b}, said the charges were politically motivated.",
               "The judge adjourned the hearing in {place} until next week.",
               "{a} denied every charge and told the court he had kept proper accounts.",
               "If convicted, {a} faces up to {n} years in prison."]),
    "election": (["{a} wins mayoral vote in {place}", "Voters in {place} back {a} in close race"],
                 ["{a} of {org} won the mayoral election in {place} with {n} percent of the vote.",
                  "Turnout in {place} reached {n} percent, officials said on {day}.",
                  "{b}, the outgoing mayor, conceded defeat late in the evening.",
                  "Supporters of {a} celebrated in the main square of {place}.",
                  "{a} promised to cut local taxes and repair the roads of {place}.",
                  "{org} will hold {n} of the council's seats."]),
    "fire": (["Fire destroys warehouse of {org} in {place}", "Blaze in {place} forces evacuation"],
             ["A fire broke out at a warehouse belonging to {org} in {place} on {day}.",
              "Firefighters led by {a} fought the blaze for {n} hours.",
              "Residents of {place} were told to keep their windows shut because of the smoke.",
              "{b}, a neighbour, said she heard an explosion before the flames appeared.",
              "The cause of the fire at {org} is under investigation.",
              "Damage was estimated at {n} million."]),
    "merger": (["{org} agrees to buy rival in {n} million deal", "{org} takeover approved by board"],
               ["{org} agreed on {day} to buy its rival based in {place} for {n} million.",
                "Chief executive {a} said the deal would create the region's largest group.",
                "{b}, an analyst, said competition authorities would examine the merger.",
                "Shares in {org} rose {n} percent after the announcement.",
                "The combined company will keep its headquarters in {place}.",
                "Unions fear the takeover by {org} could cost jobs in {place}."]),
    "flood": (["Floods cut off {place} after days of rain", "River bursts its banks in {place}"],
              ["Floodwater cut off {place} on {day} after {n} days of heavy rain.",
               "{a}, who leads the emergency services, said hundreds had been evacuated.",
               "The river through {place} rose {m} metres above its normal level.",
               "{org} opened schools as shelters for families from {place}.",
               "{b} said her house in {place} was under a metre of water.",
               "Forecasters expect more rain over {place} this week."]),
    "summit": (["Ministers meet in {place} on trade", "{a} hosts regional summit in {place}"],
               ["Ministers from {n} countries met in {place} on {day} to discuss trade.",
                "{a} opened the summit, calling for lower tariffs.",
                "{b} said the talks in {place} had been frank but useful.",
                "{org} presented a plan to link the region's railways.",
                "Protesters gathered outside the conference hall in {place}.",
                "A joint statement is expected when the summit in {place} closes."]),
    "protest": (["Thousands march in {place} against {org} plan", "Protest in {place} turns tense"],
                ["Thousands marched through {place} on {day} against a plan by {org}.",
                 "Organiser {a} said {n} thousand people had taken part.",
                 "Police in {place} used barriers to keep marchers from the town hall.",
                 "{b} of {org} said the plan would go ahead.",
                 "Marchers in {place} carried banners and chanted slogans.",
                 "Another protest is planned in {place} next month."]),
    "launch": (["{org} launches satellite from {place}", "Rocket lifts off from {place}"],
               ["A rocket carrying a satellite built by {org} lifted off from {place} on {day}.",
                "{a}, the mission director, said the launch went as planned.",
                "The satellite will observe the weather from an orbit of {n} kilometres.",
                "{b} said {org} plans {n} more launches from {place} this year.",
                "Crowds watched the lift-off from the beaches near {place}.",
                "The mission cost {org} about {n} million."]),
    "crash": (["Bus crash near {place} injures {n}", "Collision on road to {place}"],
              ["A bus collided with a lorry near {place} on {day}, injuring {n} people.",
               "{a}, a police officer, said the road was wet at the time.",
               "The injured were taken to hospitals in {place}.",
               "{org}, which runs the bus line, said it was helping the investigation.",
               "{b}, a passenger, said the driver braked hard before the impact.",
               "The road to {place} was closed for {n} hours."]),
    "outbreak": (["Health officials in {place} report {n} cases", "Outbreak at {org} school in {place}"],
                 ["Health officials in {place} reported {n} new cases on {day}.",
                  "{a}, who heads the health office, urged people to wash their hands.",
                  "A school run by {org} in {place} was closed as a precaution.",
                  "{b} said the first cases were found in a market in {place}.",
                  "Doctors in {place} said most patients were recovering.",
                  "Vaccination teams from {org} arrived in {place}."]),
}

BACKGROUND = [
    "Officials said more details would be released later.",
    "The situation remained calm by evening, witnesses said.",
    "It was not immediately clear how long the disruption would last.",
    "Local media broadcast images of the scene throughout the day.",
    "The government has faced criticism over its handling of similar events.",
    "Residents said they had been expecting something like this for years.",
    "Further updates are expected on {day}.",
    "The region has seen several such incidents in recent months.",
]
# Details only one event has (what was damaged, who was named, what was
# said): real reports of two strikes share the frame, not the specifics.
DETAILS = [
    "Witnesses mentioned the {0} near the {1}.",
    "The {0} {1} was also affected.",
    "Reports cited the {0}, the {1} and the {2}.",
    "Attention turned to the {0} of the {1}.",
    "The {0} was described as {1}.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def word(rng, k):
    return "".join(rng.choice(SYL) for _ in range(k)).capitalize()


def event(rng, i, start, days):
    kind = rng.choice(sorted(TYPES))
    when = start + dt.timedelta(seconds=rng.randrange(days * 86400))
    return {
        "id": i, "kind": kind, "when": when,
        "place": word(rng, rng.randint(2, 3)),
        "org": f"{word(rng, 2)} {rng.choice(['Group', 'Holdings', 'Party', 'Union', 'Agency', 'Council', 'Lines'])}",
        "a": f"{word(rng, 2)} {word(rng, 3)}", "b": f"{word(rng, 2)} {word(rng, 3)}",
        "p": rng.choice(["Dock", "Rail", "Hospital", "Factory", "Airport", "Mine"]),
        "n": rng.randint(2, 90), "m": f"{rng.randint(4, 7)}.{rng.randint(0, 9)}",
        "day": DAYS[when.weekday()],
        "details": [word(rng, rng.randint(2, 3)).lower() for _ in range(12)],
    }


def article(rng, ev, k, sites):
    titles, lines = TYPES[ev["kind"]]
    fill = lambda s: s.format(**{**ev, "n": ev["n"] + rng.choice([0, 0, 1, -1]) if "{n}" in s else ev["n"]})
    body = [fill(s) for s in rng.sample(lines, rng.randint(3, len(lines)))]
    body = [s if rng.random() < 0.4 else s + " " + rng.choice(DETAILS).format(*rng.sample(ev["details"], 3))
            for s in body]
    body += [fill(s) for s in rng.sample(BACKGROUND, rng.randint(1, 3))]
    paras, i = [], 0
    while i < len(body):
        j = i + rng.randint(1, 3)
        paras.append(" ".join(body[i:j]))
        i = j
    when = ev["when"] + dt.timedelta(minutes=rng.randint(10, 4 * 24 * 60))
    site = rng.choice(sites)
    return {"id": f"e{ev['id']}-{k}", "url": f"https://{site}/{ev['id']}-{k}", "site": site,
            "published": when.isoformat().replace("+00:00", "Z"), "title": fill(rng.choice(titles)),
            "text": "\n\n".join(paras)}, when


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--days", type=int, default=3 * 365,
                    help="span of the stream; fewer days give a denser stream (1M articles over 3 years is ~900 a day)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    sites = [f"{word(rng, 2).lower()}-{rng.choice(['times', 'post', 'news', 'herald', 'daily'])}.example" for _ in range(200)]
    start = dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc)
    rows, n, e = [], 0, 0
    while n < a.articles:
        ev = event(rng, e, start, a.days)
        for k in range(min(a.articles - n, min(30, int(rng.paretovariate(1.2))))):
            art, when = article(rng, ev, k, sites)
            rows.append((when, art["id"], art, e))
            n += 1
        e += 1
    rows.sort(key=lambda r: (r[0], r[1]))
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "articles.jsonl"), "w") as fa, open(os.path.join(a.out, "gold.jsonl"), "w") as fg:
        for _, aid, art, ev in rows:
            fa.write(json.dumps(art) + "\n")
            fg.write(json.dumps({"id": aid, "story": f"e{ev}"}) + "\n")
    json.dump({"articles": n, "events": e, "seed": a.seed}, open(os.path.join(a.out, "meta.json"), "w"))


if __name__ == "__main__":
    main()
