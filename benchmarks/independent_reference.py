"""Reference data of the independent synthetic population (independent_data.py): name, city
and street lists per country, nicknames, e-mail domains, handle and bio words, user agents, and
the settings of the two registries and of the normal and hard populations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from phonenumbers import PhoneNumberType

# Every record is dated on or before this day; ages are counted in this year.
REFERENCE_DATE = date(2025, 6, 30)
SURNAME = "surname"

# ----------------------------------------------------------------------------- reference data
# Lists run from the most to the least common, as a Zipf weight is put on the rank.
# "_" stands for a space inside one entry (von_Berg, Da_Silva, rue_Pasteur).
NAMES = {
    "FI": {
        "M": """Juhani Mikko Matti Timo Jari Kari Pekka Juha Antti Jukka Markku Mika Hannu Heikki
            Janne Ville Sami Petri Tuomas Jussi Lauri Eero Aleksi Veikko Ilkka Seppo Esa Risto
            Jorma Pentti Teemu Jani Marko Tommi Joonas Niko Onni Eetu Elias Leo Oliver Väinö
            Eino Aatu Toni Arto Raimo Harri Kimmo Jyrki Oskari Henrik Otto Paavo Tero Erkki
            Reijo Kalle Johannes Mikael Olavi Kalevi""",
        "F": """Maria Anna Liisa Tuula Ritva Leena Päivi Sari Riitta Pirjo Anne Minna Tiina Kirsi
            Tarja Sanna Laura Satu Eija Heidi Marja Hanna Elina Katja Jenni Emilia Aino Sofia
            Aada Venla Ella Eveliina Emma Aleksandra Kristiina Oona Saara Iida Noora Essi Anu
            Outi Merja Seija Irmeli Hilkka Aila Sirpa Marika Susanna Niina Pia Jaana Mervi
            Milla Silja Annika Ilona Kaisa Elisa Elisabet Johanna Helena Marjatta Anni""",
        "surname": """Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen
            Järvinen Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen
            Salonen Turunen Salo Laitinen Tuominen Rantanen Karjalainen Jokinen Mattila
            Savolainen Lahtinen Ahonen Hiltunen Hirvonen Leinonen Miettinen Pitkänen Aaltonen
            Manninen Lehto Kallio Hakala Väisänen Räsänen Koivisto Leppänen Kemppainen Nurmi
            Peltonen Anttila Vainio Seppälä Lindholm Lindqvist Hyvönen Toivonen Kettunen
            Laaksonen Heino Kokkonen Ojala Rinne Mustonen Eskola Honkanen Jääskeläinen Huttunen
            Tikkanen Koponen Pesonen Suominen Mikkola Harju Ketola Kärkkäinen Lindberg Rautio
            Mäki Mäkipää Pelkonen Kiiski Tuomi Ylönen Vesterinen Vuorinen Kivelä Kauppinen
            Ikonen Östman Björklund Sjöberg Åberg Hänninen Moilanen Ruotsalainen Aalto
            Piirainen Lappalainen Ranta Halonen Partanen Kangas Koivula Rissanen Valtonen Repo
            Oksanen Vilén Sillanpää Forsman Holmström Luoma Hietala Tervo Blomqvist Nyström
            Sundström Paananen Laakso Väänänen Kivinen Rajala Immonen""",
    },
    "DE": {
        "M": """Peter Michael Thomas Andreas Wolfgang Klaus Jürgen Stefan Christian Uwe Werner
            Frank Hans Bernd Markus Ralf Matthias Alexander Martin Dieter Günter Horst Manfred
            Helmut Sebastian Tobias Jan Daniel Florian Dirk Sven Jens Torsten Holger Karl Heinz
            Jörg Lukas Leon Felix Maximilian Paul Jonas Niklas Tim Julian Philipp Moritz
            Johannes Robert Benedikt Fabian Lars Kai Oliver Mario Rüdiger Björn Lennart Till
            Ulrich Gerhard Joachim""",
        "F": """Ursula Sabine Petra Monika Claudia Susanne Andrea Birgit Gabriele Karin Stefanie
            Nicole Julia Katharina Anna Laura Lena Sarah Lisa Christina Martina Heike Renate
            Brigitte Elke Angelika Ingrid Helga Jutta Anja Silke Kerstin Tanja Sandra Melanie
            Jessica Jennifer Daniela Nadine Franziska Johanna Sophie Marie Hannah Lea Emma Mia
            Leonie Charlotte Elisabeth Margarete Gisela Hildegard Jana Vanessa Carolin Annika
            Miriam Bärbel Antje Doris Jasmin""",
        "surname": """Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann
            Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun
            Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid
            Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang
            Scholz Möller Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger
            Winkler Roth Beck Lorenz Baumann Franke Albrecht Schuster Simon Ludwig Böhm Winter
            Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel Heinrich
            Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch
            Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer Brückner Gärtner Hübner Lindner
            Ebert Kühne Blümel Döring Förster Böttcher Kämmerer Yılmaz Kaya Özdemir Rößler
            von_Berg Nowak Seifert Ernst Keßler Lenz""",
    },
    "FR": {
        "M": """Jean Pierre Michel André Philippe Alain Bernard Jacques Daniel Patrick Nicolas
            Christophe Éric Frédéric Laurent Stéphane Julien Sébastien David Thomas Olivier
            Pascal François Thierry Vincent Christian Antoine Maxime Alexandre Guillaume Romain
            Mathieu Hugo Lucas Louis Gabriel Arthur Léo Raphaël Jules Théo Nathan Enzo Clément
            Baptiste Quentin Benoît Gérard Henri Rémi Jérôme Cédric Damien Yannick Lionel Hervé
            Didier Gilles Marc Jean-Pierre Jean-Luc Jean-Marc""",
        "F": """Marie Nathalie Isabelle Sylvie Catherine Françoise Martine Christine Monique
            Valérie Sandrine Stéphanie Céline Sophie Julie Aurélie Camille Léa Manon Chloé Emma
            Inès Jade Louise Alice Lina Anaïs Pauline Mathilde Élodie Émilie Caroline Virginie
            Laetitia Hélène Brigitte Nicole Danielle Jacqueline Anne Claire Agnès Béatrice
            Delphine Florence Mélanie Charlotte Océane Clémence Margaux Juliette Élise Cécile
            Odile Geneviève Lucie Zoé Maëlle Noémie Marie-Claire Anne-Sophie""",
        "surname": """Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon
            Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard
            André Lefèvre Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure
            Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clément
            Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen Boyer
            Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier Perez
            Marchand Dufour Blanchard Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez
            Pierre Renard Arnaud Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud
            Lemoine Picard Gaillard Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez
            Da_Silva Hubert Louis Charles Guillot Rivière Le_Gall Le_Goff Bouvier Bénard Hébert
            Pélissier Thibault Ménard Huet Carré Fleury Poirier Cordier Benoît Lévêque""",
    },
    "PL": {
        "M": """Piotr Krzysztof Andrzej Tomasz Paweł Jan Michał Marcin Stanisław Jakub Adam Marek
            Łukasz Grzegorz Mateusz Wojciech Mariusz Dariusz Zbigniew Jerzy Maciej Rafał Kamil
            Robert Józef Tadeusz Jacek Ryszard Kazimierz Janusz Henryk Szymon Sławomir Damian
            Bartosz Przemysław Sebastian Daniel Dawid Patryk Artur Filip Wiesław Roman Leszek
            Mirosław Kacper Hubert Antoni Aleksander Wiktor Igor Oskar Franciszek Zdzisław
            Bogdan Czesław Witold Arkadiusz Radosław Karol Konrad""",
        "F": """Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Magdalena Elżbieta
            Joanna Aleksandra Monika Zofia Teresa Danuta Natalia Julia Karolina Marta Beata
            Dorota Halina Janina Jadwiga Alicja Grażyna Iwona Paulina Justyna Renata Urszula
            Agata Bożena Jolanta Sylwia Patrycja Kamila Wiktoria Oliwia Lena Hanna Helena
            Weronika Gabriela Zuzanna Emilia Izabela Marianna Wanda Irena Kinga Dominika Łucja
            Ilona Edyta Milena Żaneta Bogumiła Stanisława Genowefa Ludmiła""",
        "surname": """Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński
            Szymański Woźniak Dąbrowski Kozłowski Jankowski Mazur Wojciechowski Kwiatkowski
            Krawczyk Kaczmarek Piotrowski Grabowski Zając Pawłowski Michalski Król Wieczorek
            Jabłoński Wróbel Nowakowski Majewski Olszewski Stępień Malinowski Jaworski Adamczyk
            Dudek Nowicki Pawlak Górski Witkowski Walczak Sikora Baran Rutkowski Michalak
            Szewczyk Ostrowski Tomaszewski Pietrzak Zalewski Wróblewski Marciniak Jasiński
            Zawadzki Bąk Jakubowski Sadowski Duda Włodarczyk Wilk Chmielewski Borkowski
            Sokołowski Szczepański Sawicki Lis Kucharski Mazurek Kubiak Kalinowski Wysocki
            Maciejewski Czarnecki Kołodziej Urbański Kaźmierczak Sobczak Konieczny Głowacki
            Zakrzewski Krajewski Krupa Laskowski Ziółkowski Gajewski Mróz Szulc Brzeziński
            Makowski Przybylski Kaczmarczyk Borowski Sikorski Baranowski Szczepaniak Czerwiński
            Kołodziejczyk Szymczak Kozieł Leśniak Wawrzyniak Cieślak Kasprzak Błaszczyk Ziemba
            Dziedzic Górecki Kowalewski Żak Chojnacki Rogalski Kurek Śliwa Żukowski Łuczak
            Kaczor Bielecki Mikołajczyk Kozak Milczarek Wilczyński Gołębiowski Stachowiak
            Orłowski""",
    },
}
_NICKNAMES = """Johannes:Hannes/Jussi Juhani:Jussi Matti:Masa Mikko:Mikke Aleksi:Alex
    Elisabet:Liisa Kristiina:Kiia/Tiina Johanna:Jonna/Hanna Susanna:Sanna Marjatta:Maija
    Eveliina:Evi Henrik:Henkka Antti:Antsa Timo:Timppa Oskari:Oskar Emilia:Emmi
    Aleksandra:Sanni/Ola Katharina:Kathi/Katja Robert:Bob/Robby Alexander:Alex Maximilian:Max
    Christian:Chris Stefanie:Steffi Elisabeth:Lisa/Liisa/Sissi Sebastian:Basti/Seba
    Michael:Micha/Mike Thomas:Tom/Tommy Andreas:Andi Daniela:Dani Franziska:Franzi Susanne:Susi
    Matthias:Matze Tobias:Tobi Florian:Flo Gabriele:Gabi Christina:Tina Margarete:Grete
    Jennifer:Jenny Benedikt:Ben Philipp:Phil Nicolas:Nico Alexandre:Alex Christophe:Chris
    Frédéric:Fred Maxime:Max Sébastien:Seb Stéphanie:Steph Catherine:Cathy Isabelle:Isa
    Valérie:Val Raphaël:Raph Caroline:Caro Aurélie:Lili Julien:Juju Antoine:Toine Philippe:Phil
    Katarzyna:Kasia Małgorzata:Gosia Agnieszka:Aga Magdalena:Magda Elżbieta:Ela Joanna:Asia
    Krzysztof:Krzysiek Tomasz:Tomek Jakub:Kuba Wojciech:Wojtek Stanisław:Staszek Józef:Józek
    Grzegorz:Grzesiek Mateusz:Mati Bartosz:Bartek Przemysław:Przemek Zofia:Zosia Barbara:Basia
    Weronika:Wera Zuzanna:Zuza Anna:Ania/Anni Maria:Marysia/Maija Jan:Janek Piotr:Piotrek
    Wiktoria:Wika Aleksander:Olek Kalle:Kalle Eero:Eki Paavo:Pave Maria-Claire:Marie"""
_CITY_ROWS = {
    "FI": [("Helsinki", 100, 990, 10, 30, "9", "Helsingfors"),
        ("Espoo", 2100, 2980, 10, 14, "9", "Esbo"),
        ("Tampere", 33100, 33900, 10, 12, "3", "Tammerfors"),
        ("Vantaa", 1300, 1770, 10, 10, "9", "Vanda"),
        ("Oulu", 90100, 90900, 10, 8, "8", "Uleåborg"),
        ("Turku", 20100, 20900, 10, 9, "2", "Åbo"),
        ("Jyväskylä", 40100, 40900, 10, 6, "14", "Jyvaskyla"),
        ("Lahti", 15100, 15900, 10, 5, "3", "Lahtis"), ("Kuopio", 70100, 70900, 10, 5, "17", ""),
        ("Pori", 28100, 28900, 10, 4, "2", "Björneborg"),
        ("Vaasa", 65100, 65380, 10, 3, "6", "Vasa"), ("Joensuu", 80100, 80260, 10, 3, "13", ""),
        ("Seinäjoki", 60100, 60800, 10, 3, "6", "Seinajoki"),
        ("Rovaniemi", 96100, 96900, 10, 3, "16", "")],
    "DE": [("Berlin", 10115, 14199, 1, 30, "30", ""), ("Hamburg", 20095, 22769, 1, 14, "40", ""),
        ("München", 80331, 81929, 1, 12, "89", "Muenchen"),
        ("Köln", 50667, 51149, 1, 9, "221", "Koeln"),
        ("Frankfurt am Main", 60306, 60599, 1, 7, "69", "Frankfurt"),
        ("Stuttgart", 70173, 70629, 1, 6, "711", ""),
        ("Düsseldorf", 40210, 40629, 1, 6, "211", "Duesseldorf"),
        ("Leipzig", 4103, 4357, 1, 6, "341", ""), ("Dresden", 1067, 1328, 1, 5, "351", ""),
        ("Hannover", 30159, 30669, 1, 5, "511", "Hanover"),
        ("Nürnberg", 90402, 90491, 1, 5, "911", "Nuernberg"),
        ("Bremen", 28195, 28779, 1, 4, "421", ""), ("Essen", 45127, 45359, 1, 4, "201", ""),
        ("Münster", 48143, 48167, 1, 3, "251", "Muenster"),
        ("Freiburg im Breisgau", 79098, 79117, 1, 3, "761", "Freiburg")],
    "FR": [("Paris", 75001, 75020, 1, 30, "1", ""), ("Marseille", 13001, 13016, 1, 10, "4", ""),
        ("Lyon", 69001, 69009, 1, 9, "4", ""), ("Toulouse", 31000, 31500, 100, 7, "5", ""),
        ("Nice", 6000, 6300, 100, 6, "4", ""), ("Nantes", 44000, 44300, 100, 6, "2", ""),
        ("Strasbourg", 67000, 67200, 100, 5, "3", ""),
        ("Montpellier", 34000, 34090, 10, 5, "4", ""),
        ("Bordeaux", 33000, 33800, 100, 6, "5", ""), ("Lille", 59000, 59800, 100, 6, "3", ""),
        ("Rennes", 35000, 35700, 100, 4, "2", ""), ("Grenoble", 38000, 38100, 100, 3, "4", ""),
        ("Saint-Étienne", 42000, 42100, 100, 3, "4", "St-Etienne")],
    "PL": [("Warszawa", 1, 4999, 1, 30, "22", "Warsaw"),
        ("Kraków", 30001, 31999, 1, 14, "12", "Krakow"),
        ("Łódź", 90001, 94999, 1, 10, "42", "Lodz"),
        ("Wrocław", 50001, 54999, 1, 10, "71", "Wroclaw"),
        ("Poznań", 60001, 61999, 1, 8, "61", "Poznan"),
        ("Gdańsk", 80001, 80999, 1, 7, "58", "Gdansk"),
        ("Szczecin", 70001, 71999, 1, 5, "91", ""), ("Bydgoszcz", 85001, 85999, 1, 4, "52", ""),
        ("Lublin", 20001, 20999, 1, 5, "81", ""), ("Katowice", 40001, 40999, 1, 5, "32", ""),
        ("Białystok", 15001, 15999, 1, 4, "85", "Bialystok"),
        ("Gdynia", 81001, 81999, 1, 3, "58", "")],
}
STREETS = {
    "FI": """Mannerheimintie Hämeenkatu Aleksanterinkatu Puistokatu Koulukatu Kirkkokatu Rantatie
        Kauppakatu Satamakatu Asemakatu Kalevankatu Mäkelänkatu Tehtaankatu Kuusitie Koivutie
        Mäntytie Pihlajatie Sibeliuksenkatu Runeberginkatu Topeliuksenkatu Yliopistonkatu
        Läntinen_Rantakatu Itäinen_Pitkäkatu Myllytie Peltokatu""",
    "DE": """Hauptstraße Bahnhofstraße Gartenstraße Schulstraße Dorfstraße Bergstraße Lindenstraße
        Kirchstraße Goethestraße Schillerstraße Waldstraße Ringstraße Friedrichstraße
        Mozartstraße Am_Markt Birkenweg Rosenweg Kastanienallee Karl-Marx-Allee Marktplatz
        Müllerstraße Königsallee Feldweg Talstraße Wiesenstraße Sonnenstraße""",
    "FR": """rue_de_la_Paix avenue_des_Champs boulevard_Voltaire place_de_la_République
        rue_Victor_Hugo rue_Jean_Jaurès avenue_Foch rue_Pasteur rue_du_Moulin chemin_des_Vignes
        allée_des_Tilleuls rue_de_l'Église avenue_de_la_Gare rue_Nationale boulevard_Gambetta
        rue_Émile_Zola impasse_des_Lilas rue_des_Écoles quai_Saint-Michel rue_Saint-Honoré
        avenue_Jean_Moulin rue_de_la_République""",
    "PL": """ul._Marszałkowska ul._Piłsudskiego ul._Mickiewicza ul._Słowackiego ul._Kościuszki
        ul._Sienkiewicza ul._Długa ul._Polna ul._Leśna ul._Ogrodowa ul._Lipowa ul._Kwiatowa
        al._Jerozolimskie ul._Wrocławska ul._Żeromskiego ul._Jana_Pawła_II ul._Reymonta
        ul._Konopnickiej os._Tysiąclecia pl._Grunwaldzki ul._Szkolna ul._Kolejowa""",
}
INTERESTS = [
    "news", "sports", "football", "ice_hockey", "moving", "real_estate", "travel", "cooking",
    "gardening", "parenting", "personal_finance", "cars", "technology", "gaming", "fashion",
    "health", "fitness", "music", "movies", "politics", "culture", "pets", "home_improvement",
    "weather", "science", "education", "jobs", "lottery"]
WORDS = [  # for handles and e-mails unrelated to the name
    "coffeelover", "sunnyday", "nightowl", "bookworm", "pixelpunk", "moominfan", "kissakala",
    "fussballfan", "lachatte", "polskipies", "trailrunner", "vinylhead", "mtbrider", "catmom",
    "dogdad", "gamerguy", "skaterboi", "travelbug", "foodie", "saunalover", "nordicsoul",
    "bluebird", "retro_vibes", "hockeyfan"]
NICKNAMES = {
    name: nicknames.split("/")
    for name, nicknames in (entry.split(":") for entry in _NICKNAMES.split())
}


class City(NamedTuple):
    name: str
    postal_low: int
    postal_high: int
    postal_step: int
    weight: int
    area_code: str
    alternative_name: str


CITIES = {country: [City(*row) for row in rows] for country, rows in _CITY_ROWS.items()}
STREET_ABBREVIATIONS = {
    "FI": [("katu", "k."), ("tie", "t.")],
    "DE": [("straße", "str."), ("Straße", "Str."), ("straße", "strasse"), ("allee", "al."),
           ("platz", "pl.")],
    "FR": [("avenue", "av."), ("boulevard", "bd"), ("rue", "r."), ("place", "pl."),
           ("chemin", "ch."), ("Avenue", "Av.")],
    "PL": [("ul. ", ""), ("ul. ", "ulica "), ("al. ", "Aleja "), ("os. ", "osiedle ")],
}
MOBILE_PREFIXES = {
    "FI": ["40", "41", "44", "45", "46", "50"],
    "DE": ["151", "152", "160", "162", "170", "171", "172", "175", "176", "177", "178", "179"],
    "FR": ["6", "7"],
    "PL": ["50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88"],
}


class PhoneLengths(NamedTuple):
    """Lengths of the national significant number, area code or mobile prefix included."""

    mobile_min: int
    mobile_max: int
    fixed_min: int
    fixed_max: int


PHONE_LENGTHS = {
    "FI": PhoneLengths(9, 10, 8, 9),
    "DE": PhoneLengths(10, 11, 9, 11),
    "FR": PhoneLengths(9, 9, 9, 9),
    "PL": PhoneLengths(9, 9, 9, 9),
}
LANDLINE_TYPES = (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
PLACEHOLDER_PHONES = ["0000000", "000 000 000", "+0000000000"]
EMAIL_DOMAINS = {
    "FI": ["posti.example", "luukku.example", "kolumbus.example"],
    "DE": ["gmx.example", "web.example", "t-online.example", "freenet.example"],
    "FR": ["orange.example", "free.example", "laposte.example", "sfr.example"],
    "PL": ["wp.example", "onet.example", "interia.example", "o2.example"],
    "*": ["gmail.example", "outlook.example", "icloud.example", "proton.example",
          "yahoo.example", "hotmail.example"],
}
EMAIL_STYLE_WEIGHTS = [28, 10, 10, 8, 8, 8, 7, 7, 6, 8]
# first.last, flast or f.last for work e-mails
WORK_EMAIL_STYLES = [0, 0, 0, 2, 8]
HANDLE_STYLE_WEIGHTS = [14, 12, 5, 9, 8, 6, 5, 6, 13, 10, 4, 3]
COMPANY_SYLLABLES = ["nor", "tek", "sol", "vita", "alma", "lux", "fin", "med", "data", "sys",
                     "ber", "lin", "kar", "ola", "via", "nova", "pro", "terra", "unit", "gal"]
FLAGS = {"FI": "🇫🇮", "DE": "🇩🇪", "FR": "🇫🇷", "PL": "🇵🇱"}
COUNTRY_NAMES = {"FI": "Finland", "DE": "Deutschland", "FR": "France", "PL": "Polska"}
EMOJI = ["🌸", "✨", "⚽", "☕", "🌿", "🎧", "📚", "💙", "🔥", "🐾", "🏔️", "🎮"]
BIOS = {
    "*": ["{interest} enthusiast", "Living in {city}", "Opinions my own", "{city} ❤️", "Born {by}",
          "Dad of {k} | {interest}", "Mum of {k} 💕", "{interest} | {interest2} | {city}",
          "just vibing", "Runner 🏃 {city}", "{employer} alumni", "Photographer · {city}",
          "Working @{employer}"],
    "FI": ["Kahvia ja kirjoja ☕📚", "Töissä @{employer}", "{city} | {interest}", "Äiti, juoksija",
           "Syntynyt {by}"],
    "DE": ["Jahrgang {by} · {city}", "Arbeite bei {employer}", "Kochen, Wandern, {interest}",
           "Hier privat"],
    "FR": ["Passionné·e de {interest}", "Née en {by} à {city}", "{city} | {interest}",
           "Maman de {k} 💕"],
    "PL": ["Z {city}, rocznik {by}", "Mama, kawa, książki", "{interest} i {interest2}",
           "Pracuję w {employer}"],
}
# Bios that a woman, or a man, would not write about themselves.
BIO_WORDS_NOT_FOR = {"F": ("Dad",), "M": ("Mum", "Mama", "Maman", "Née", "Äiti")}
_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
_APPLE_WEBKIT = "AppleWebKit/605.1.15 (KHTML, like Gecko)"
USER_AGENTS = {
    "desktop": [
        f"{_WINDOWS} {_WEBKIT} Chrome/124.0.0.0 Safari/537.36",
        f"{_WINDOWS[:-1]}; rv:126.0) Gecko/20100101 Firefox/126.0",
        f"{_WINDOWS} {_WEBKIT} Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
        f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {_APPLE_WEBKIT} Version/17.4"
        " Safari/605.1.15",
        f"Mozilla/5.0 (X11; Linux x86_64) {_WEBKIT} Chrome/123.0.0.0 Safari/537.36",
    ],
    "mobile": [
        f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) {_APPLE_WEBKIT} Version/17.4"
        " Mobile/15E148 Safari/604.1",
        *(f"Mozilla/5.0 (Linux; Android {device}) {_WEBKIT} Chrome/124.0.0.0 Mobile Safari/537.36"
          for device in ("14; SM-S911B", "13; Pixel 7", "12; moto g(60)")),
    ],
    "tablet": [
        f"Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) {_APPLE_WEBKIT} Version/16.6"
        " Mobile/15E148 Safari/604.1",
        f"Mozilla/5.0 (Linux; Android 13; SM-X200) {_WEBKIT} Chrome/124.0.0.0 Safari/537.36",
    ],
}
DEVICES = (["desktop", "mobile", "tablet"], [38, 52, 10])
# Where a device connects from, and how often.
CONNECTIONS = {
    "desktop": (["home", "office", "wifi", "vpn"], [65, 25, 5, 5]),
    "mobile": (["cgnat", "home", "wifi", "office"], [58, 27, 10, 5]),
    "tablet": (["home", "wifi"], [80, 20]),
}
PLATFORMS = ["x", "instagram", "tiktok"]
VPN_CITIES = {"NL": "Amsterdam", "SE": "Stockholm", "DE": "Frankfurt am Main"}
COUNTRY_WEIGHTS = {"FI": 35, "DE": 30, "FR": 20, "PL": 15}
COUNTRIES = list(COUNTRY_WEIGHTS)
MIDDLE_NAME_SHARES = {"FI": .8, "DE": .3, "FR": .2, "PL": .15}


@dataclass(frozen=True)
class Difficulty:
    """Population parameters; `hard` gives more look-alike people within and across households."""

    household_size_weights: list[int]  # sizes 1..5
    twins: float  # share of families with two or more children that have twins
    similar_twin_names: float  # share of twin pairs named alike (Jan/Jana, Mikko/Mika)
    junior: float  # share of sons named after their father
    zipf_first: float  # Zipf exponents on the name ranks: larger means more namesakes
    zipf_last: float


DIFFICULTIES = {
    "normal": Difficulty([38, 32, 13, 12, 5], 0.08, 0.35, 0.03, 0.5, 0.45),
    "hard": Difficulty([20, 27, 18, 21, 14], 0.30, 0.6, 0.12, 1.0, 0.95),
}


@dataclass(frozen=True)
class RegistrySpec:
    """How one registry source differs from the other."""

    brand: str
    share: float  # expected members, as a share of all persons
    duplicate_share: float  # members entered twice
    first_record: date
    age_slope: float  # > 0 favours older people, < 0 younger ones
    id_prefix: str
    id_digits: int
    order_id_prefix: str
    genders: dict[str, str]
    iso_date_share: float
    empty_phone_share: float  # includes the 1 % placeholder numbers
    upper_case_share: float  # records with both names in capitals
    products: list[str]
    order_categories: list[str]


NEWSPAPER = RegistrySpec(
    "newspaper", .50, .035, date(2015, 1, 1), 1.0, "N", 8, "O", {"F": "F", "M": "M"}, .92, .18,
    0.0, ["print_daily", "digital", "weekend", "digital_plus", "student"],
    ["subscription", "single_issue", "ebook", "merchandise", "event_ticket"])
TELECOM = RegistrySpec(
    "telecom", .40, .03, date(2020, 1, 1), -0.2, "TC", 9, "TX-", {"F": "female", "M": "male"},
    .62, .10, .06, ["mobile_basic", "mobile_unlimited", "broadband", "tv_bundle", "prepaid"],
    ["monthly_fee", "device", "roaming", "accessory", "top_up"])
EXPENSIVE_CATEGORIES = ("device", "event_ticket")
ORDER_COUNT_WEIGHTS = [20, 20, 15, 12, 10, 8, 6, 5, 4]  # 0..8 orders per registry record

REGISTRY_COLUMNS = (
    "subscriber_id", "first_name", "last_name", "birth_date", "gender", "street_address",
    "postal_code", "city", "country", "phone", "email", "subscription_product",
    "subscription_status", "subscription_start", "consent_marketing", "consent_partner_sharing",
    "updated_at",
)
ORDER_COLUMNS = ("order_id", "subscriber_id", "order_date", "amount", "currency",
                 "product_category")
GROUND_TRUTH_COLUMNS = ("source", "source_record_id", "person_id")
CONF = """warehouse: warehouse
sources:
  - {name: newspaper, kind: registry, format: csv, path: registry_newspaper.csv}
  - {name: newspaper_orders, kind: orders, registry: newspaper, format: csv, path: orders_newspaper.csv}
  - {name: telecom, kind: registry, format: csv, path: registry_telecom.csv}
  - {name: telecom_orders, kind: orders, registry: telecom, format: csv, path: orders_telecom.csv}
  - {name: web, kind: online, format: json, path: online_profiles.jsonl}
  - {name: social, kind: social, format: json, path: social_accounts.jsonl}
ground_truth: ground_truth.csv
"""  # noqa: E501
