"""Real J2000 positions of the emulator's named objects (SIMBAD-style types).

One row per object: ``name | aliases ; separated | RA h m s | Dec d m s | type | catalog ids``.
Catalog ids (TIC, KIC, EPIC) become named objects of their own, at the host's position.
"""

from __future__ import annotations

__all__ = ["ROWS"]

ROWS = """
M 1|M1;Messier 1;NGC 1952;Crab Nebula;Crab|05 34 31.94|+22 00 52.2|SNRemnant|
M 2|M2;Messier 2;NGC 7089|21 33 27.02|-00 49 23.7|GlobCluster|
M 3|M3;Messier 3;NGC 5272|13 42 11.62|+28 22 38.2|GlobCluster|
M 4|M4;Messier 4;NGC 6121|16 23 35.22|-26 31 32.7|GlobCluster|
M 5|M5;Messier 5;NGC 5904|15 18 33.22|+02 04 51.7|GlobCluster|
M 6|M6;Messier 6;NGC 6405;Butterfly Cluster|17 40 20.0|-32 15 12|OpenCluster|
M 7|M7;Messier 7;NGC 6475;Ptolemy Cluster|17 53 51.0|-34 47 36|OpenCluster|
M 8|M8;Messier 8;NGC 6523;Lagoon Nebula|18 03 36.96|-24 23 13.2|OpenCluster|
M 9|M9;Messier 9;NGC 6333|17 19 11.78|-18 30 58.5|GlobCluster|
M 10|M10;Messier 10;NGC 6254|16 57 09.05|-04 06 01.1|GlobCluster|
M 11|M11;Messier 11;NGC 6705;Wild Duck Cluster|18 51 05.0|-06 16 12|OpenCluster|
M 12|M12;Messier 12;NGC 6218|16 47 14.18|-01 56 54.7|GlobCluster|
M 13|M13;Messier 13;NGC 6205;Hercules Cluster|16 41 41.24|+36 27 35.5|GlobCluster|
M 14|M14;Messier 14;NGC 6402|17 37 36.10|-03 14 45.3|GlobCluster|
M 15|M15;Messier 15;NGC 7078|21 29 58.33|+12 10 01.2|GlobCluster|
M 16|M16;Messier 16;NGC 6611;Eagle Nebula|18 18 48.0|-13 47 00|OpenCluster|
M 17|M17;Messier 17;NGC 6618;Omega Nebula|18 20 26.0|-16 10 36|HIIReg|
M 18|M18;Messier 18;NGC 6613|18 19 58.0|-17 06 06|OpenCluster|
M 19|M19;Messier 19;NGC 6273|17 02 37.69|-26 16 04.6|GlobCluster|
M 20|M20;Messier 20;NGC 6514;Trifid Nebula|18 02 23.0|-23 01 48|HIIReg|
M 21|M21;Messier 21;NGC 6531|18 04 13.0|-22 29 24|OpenCluster|
M 22|M22;Messier 22;NGC 6656|18 36 23.94|-23 54 17.1|GlobCluster|
M 23|M23;Messier 23;NGC 6494|17 57 04.0|-18 59 06|OpenCluster|
M 24|M24;Messier 24;IC 4715;Sagittarius Star Cloud|18 16 48.0|-18 33 00|Cloud|
M 25|M25;Messier 25;IC 4725|18 31 47.0|-19 07 00|OpenCluster|
M 26|M26;Messier 26;NGC 6694|18 45 18.0|-09 23 00|OpenCluster|
M 27|M27;Messier 27;NGC 6853;Dumbbell Nebula|19 59 36.34|+22 43 16.1|PlanetaryNeb|
M 28|M28;Messier 28;NGC 6626|18 24 32.89|-24 52 11.4|GlobCluster|
M 29|M29;Messier 29;NGC 6913|20 23 56.0|+38 31 24|OpenCluster|
M 30|M30;Messier 30;NGC 7099|21 40 22.12|-23 10 47.5|GlobCluster|
M 31|M31;Messier 31;NGC 224;Andromeda Galaxy;Andromeda|00 42 44.33|+41 16 07.5|Galaxy|
M 32|M32;Messier 32;NGC 221|00 42 41.83|+40 51 55.0|Galaxy|
M 33|M33;Messier 33;NGC 598;Triangulum Galaxy|01 33 50.90|+30 39 35.8|Galaxy|
M 34|M34;Messier 34;NGC 1039|02 42 05.0|+42 45 42|OpenCluster|
M 35|M35;Messier 35;NGC 2168|06 09 00.0|+24 21 00|OpenCluster|
M 36|M36;Messier 36;NGC 1960|05 36 18.0|+34 08 24|OpenCluster|
M 37|M37;Messier 37;NGC 2099|05 52 18.0|+32 33 12|OpenCluster|
M 38|M38;Messier 38;NGC 1912|05 28 43.0|+35 51 18|OpenCluster|
M 39|M39;Messier 39;NGC 7092|21 31 48.0|+48 26 00|OpenCluster|
M 40|M40;Messier 40;Winnecke 4|12 22 12.5|+58 04 59|**|
M 41|M41;Messier 41;NGC 2287|06 46 01.0|-20 45 24|OpenCluster|
M 42|M42;Messier 42;NGC 1976;Orion Nebula|05 35 17.3|-05 23 28|HIIReg|
M 43|M43;Messier 43;NGC 1982|05 35 31.0|-05 16 03|HIIReg|
M 44|M44;Messier 44;NGC 2632;Praesepe;Beehive Cluster|08 40 24.0|+19 40 00|OpenCluster|
M 45|M45;Messier 45;Pleiades;Seven Sisters|03 47 24.0|+24 07 00|OpenCluster|
M 46|M46;Messier 46;NGC 2437|07 41 46.0|-14 48 36|OpenCluster|
M 47|M47;Messier 47;NGC 2422|07 36 35.0|-14 29 00|OpenCluster|
M 48|M48;Messier 48;NGC 2548|08 13 43.0|-05 45 00|OpenCluster|
M 49|M49;Messier 49;NGC 4472|12 29 46.76|+08 00 01.7|Galaxy|
M 50|M50;Messier 50;NGC 2323|07 02 42.0|-08 23 00|OpenCluster|
M 51|M51;Messier 51;NGC 5194;Whirlpool Galaxy|13 29 52.70|+47 11 42.9|Galaxy|
M 52|M52;Messier 52;NGC 7654|23 24 48.0|+61 35 36|OpenCluster|
M 53|M53;Messier 53;NGC 5024|13 12 55.25|+18 10 05.4|GlobCluster|
M 54|M54;Messier 54;NGC 6715|18 55 03.33|-30 28 47.5|GlobCluster|
M 55|M55;Messier 55;NGC 6809|19 39 59.71|-30 57 53.1|GlobCluster|
M 56|M56;Messier 56;NGC 6779|19 16 35.57|+30 11 00.5|GlobCluster|
M 57|M57;Messier 57;NGC 6720;Ring Nebula|18 53 35.08|+33 01 45.0|PlanetaryNeb|
M 58|M58;Messier 58;NGC 4579|12 37 43.52|+11 49 05.5|Galaxy|
M 59|M59;Messier 59;NGC 4621|12 42 02.32|+11 38 48.9|Galaxy|
M 60|M60;Messier 60;NGC 4649|12 43 39.98|+11 33 09.7|Galaxy|
M 61|M61;Messier 61;NGC 4303|12 21 54.90|+04 28 25.1|Galaxy|
M 62|M62;Messier 62;NGC 6266|17 01 12.60|-30 06 44.5|GlobCluster|
M 63|M63;Messier 63;NGC 5055;Sunflower Galaxy|13 15 49.33|+42 01 45.4|Galaxy|
M 64|M64;Messier 64;NGC 4826;Black Eye Galaxy|12 56 43.70|+21 40 57.6|Galaxy|
M 65|M65;Messier 65;NGC 3623|11 18 55.96|+13 05 32.0|Galaxy|
M 66|M66;Messier 66;NGC 3627|11 20 15.03|+12 59 28.6|Galaxy|
M 67|M67;Messier 67;NGC 2682|08 51 18.0|+11 48 00|OpenCluster|
M 68|M68;Messier 68;NGC 4590|12 39 27.98|-26 44 38.6|GlobCluster|
M 69|M69;Messier 69;NGC 6637|18 31 23.10|-32 20 53.1|GlobCluster|
M 70|M70;Messier 70;NGC 6681|18 43 12.76|-32 17 31.6|GlobCluster|
M 71|M71;Messier 71;NGC 6838|19 53 46.49|+18 46 45.1|GlobCluster|
M 72|M72;Messier 72;NGC 6981|20 53 27.70|-12 32 14.3|GlobCluster|
M 73|M73;Messier 73;NGC 6994|20 58 54.0|-12 38 00|Asterism|
M 74|M74;Messier 74;NGC 628|01 36 41.75|+15 47 01.2|Galaxy|
M 75|M75;Messier 75;NGC 6864|20 06 04.75|-21 55 16.2|GlobCluster|
M 76|M76;Messier 76;NGC 650;Little Dumbbell Nebula|01 42 19.95|+51 34 31.2|PlanetaryNeb|
M 77|M77;Messier 77;NGC 1068|02 42 40.77|-00 00 47.8|SyG|
M 78|M78;Messier 78;NGC 2068|05 46 46.7|+00 00 50|RefNeb|
M 79|M79;Messier 79;NGC 1904|05 24 10.59|-24 31 27.3|GlobCluster|
M 80|M80;Messier 80;NGC 6093|16 17 02.41|-22 58 33.9|GlobCluster|
M 81|M81;Messier 81;NGC 3031;Bode's Galaxy|09 55 33.17|+69 03 55.1|Galaxy|
M 82|M82;Messier 82;NGC 3034;Cigar Galaxy|09 55 52.43|+69 40 46.9|StarburstG|
M 83|M83;Messier 83;NGC 5236;Southern Pinwheel Galaxy|13 37 00.95|-29 51 55.5|Galaxy|
M 84|M84;Messier 84;NGC 4374|12 25 03.74|+12 53 13.1|Galaxy|
M 85|M85;Messier 85;NGC 4382|12 25 24.04|+18 11 28.0|Galaxy|
M 86|M86;Messier 86;NGC 4406|12 26 11.74|+12 56 46.4|Galaxy|
M 87|M87;Messier 87;NGC 4486;Virgo A|12 30 49.42|+12 23 28.0|Galaxy|
M 88|M88;Messier 88;NGC 4501|12 31 59.22|+14 25 13.5|Galaxy|
M 89|M89;Messier 89;NGC 4552|12 35 39.82|+12 33 22.8|Galaxy|
M 90|M90;Messier 90;NGC 4569|12 36 49.79|+13 09 46.3|Galaxy|
M 91|M91;Messier 91;NGC 4548|12 35 26.43|+14 29 46.8|Galaxy|
M 92|M92;Messier 92;NGC 6341|17 17 07.39|+43 08 09.4|GlobCluster|
M 93|M93;Messier 93;NGC 2447|07 44 30.0|-23 51 24|OpenCluster|
M 94|M94;Messier 94;NGC 4736|12 50 53.06|+41 07 13.6|Galaxy|
M 95|M95;Messier 95;NGC 3351|10 43 57.70|+11 42 13.7|Galaxy|
M 96|M96;Messier 96;NGC 3368|10 46 45.74|+11 49 11.8|Galaxy|
M 97|M97;Messier 97;NGC 3587;Owl Nebula|11 14 47.73|+55 01 08.5|PlanetaryNeb|
M 98|M98;Messier 98;NGC 4192|12 13 48.29|+14 54 01.2|Galaxy|
M 99|M99;Messier 99;NGC 4254|12 18 49.63|+14 24 59.4|Galaxy|
M 100|M100;Messier 100;NGC 4321|12 22 54.90|+15 49 20.6|Galaxy|
M 101|M101;Messier 101;NGC 5457;Pinwheel Galaxy|14 03 12.58|+54 20 55.5|GinPair|
M 102|M102;Messier 102;NGC 5866;Spindle Galaxy|15 06 29.56|+55 45 47.6|Galaxy|
M 103|M103;Messier 103;NGC 581|01 33 21.36|+60 39 32.4|OpenCluster|
M 104|M104;Messier 104;NGC 4594;Sombrero Galaxy|12 39 59.43|-11 37 23.0|Galaxy|
M 105|M105;Messier 105;NGC 3379|10 47 49.60|+12 34 53.9|Galaxy|
M 106|M106;Messier 106;NGC 4258|12 18 57.50|+47 18 14.3|SyG|
M 107|M107;Messier 107;NGC 6171|16 32 31.86|-13 03 13.6|GlobCluster|
M 108|M108;Messier 108;NGC 3556|11 11 31.0|+55 40 27|Galaxy|
M 109|M109;Messier 109;NGC 3992|11 57 35.98|+53 22 28.3|Galaxy|
M 110|M110;Messier 110;NGC 205|00 40 22.08|+41 41 07.1|Galaxy|
NGC 55||00 14 53.60|-39 11 48.0|Galaxy|
NGC 104|47 Tuc;47 Tucanae|00 24 05.67|-72 04 52.6|GlobCluster|
NGC 253|Sculptor Galaxy|00 47 33.12|-25 17 17.6|StarburstG|
NGC 300||00 54 53.48|-37 41 03.8|Galaxy|
NGC 362||01 03 14.26|-70 50 55.6|GlobCluster|
NGC 869|h Persei|02 19 00.0|+57 09 00|OpenCluster|
NGC 884|chi Persei|02 22 18.0|+57 08 12|OpenCluster|
NGC 891||02 22 33.41|+42 20 56.9|Galaxy|
NGC 1052||02 41 04.80|-08 15 20.8|Galaxy|
NGC 1097||02 46 19.06|-30 16 29.7|SyG|
NGC 1275|Perseus A;3C 84|03 19 48.16|+41 30 42.1|SyG|
NGC 1300||03 19 41.08|-19 24 40.9|Galaxy|
NGC 1316|Fornax A|03 22 41.72|-37 12 29.6|Galaxy|
NGC 1365||03 33 36.37|-36 08 25.4|SyG|
NGC 1399||03 38 29.08|-35 27 02.7|Galaxy|
NGC 1433||03 42 01.55|-47 13 19.5|SyG|
NGC 1512||04 03 54.28|-43 20 55.9|Galaxy|
NGC 1566||04 20 00.42|-54 56 16.1|SyG|
NGC 2070|Tarantula Nebula;30 Dor;30 Doradus|05 38 38.0|-69 05 42|HIIReg|
NGC 2244|Rosette Cluster|06 31 55.0|+04 56 30|OpenCluster|
NGC 2264|Christmas Tree Cluster|06 41 00.0|+09 53 00|OpenCluster|
NGC 2392|Eskimo Nebula|07 29 10.77|+20 54 42.5|PlanetaryNeb|
NGC 2403||07 36 51.40|+65 36 09.2|Galaxy|
NGC 2841||09 22 02.63|+50 58 35.5|Galaxy|
NGC 2903||09 32 10.11|+21 30 03.0|Galaxy|
NGC 2976||09 47 15.46|+67 54 59.0|Galaxy|
NGC 3077||10 03 19.07|+68 44 02.2|Galaxy|
NGC 3115|Spindle Galaxy (Sextans)|10 05 13.98|-07 43 06.9|Galaxy|
NGC 3132|Southern Ring Nebula;Eight-Burst Nebula|10 07 01.76|-40 26 11.1|PlanetaryNeb|
NGC 3310||10 38 45.86|+53 30 12.2|StarburstG|
NGC 3372|Carina Nebula;Eta Carinae Nebula|10 45 08.5|-59 52 04|HIIReg|
NGC 3603||11 15 09.1|-61 16 17|OpenCluster|
NGC 3628|Hamburger Galaxy|11 20 17.01|+13 35 22.9|Galaxy|
NGC 4038|Antennae Galaxies|12 01 53.0|-18 52 10|GinPair|
NGC 4039||12 01 53.5|-18 53 10|GinPair|
NGC 4151||12 10 32.58|+39 24 20.6|SyG|
NGC 4214||12 15 39.17|+36 19 36.8|Galaxy|
NGC 4395||12 25 48.86|+33 32 48.7|SyG|
NGC 4449||12 28 11.10|+44 05 37.1|Galaxy|
NGC 4565|Needle Galaxy|12 36 20.78|+25 59 15.6|Galaxy|
NGC 4631|Whale Galaxy|12 42 08.01|+32 32 29.4|Galaxy|
NGC 4656||12 43 57.7|+32 10 05|Galaxy|
NGC 4697||12 48 35.91|-05 48 03.1|Galaxy|
NGC 5128|Centaurus A;Cen A|13 25 27.62|-43 01 08.8|SyG|
NGC 5139|Omega Centauri;omega Cen|13 26 47.28|-47 28 46.1|GlobCluster|
NGC 5195|M51b|13 29 59.59|+47 15 58.1|Galaxy|
NGC 6543|Cat's Eye Nebula|17 58 33.42|+66 37 59.5|PlanetaryNeb|
NGC 6744||19 09 46.10|-63 51 27.1|Galaxy|
NGC 6822|Barnard's Galaxy|19 44 56.6|-14 47 21|Galaxy|
NGC 6946|Fireworks Galaxy|20 34 52.34|+60 09 14.2|Galaxy|
NGC 6960|Western Veil Nebula;Witch's Broom Nebula|20 45 38.0|+30 42 30|SNRemnant|
NGC 7000|North America Nebula|20 59 17.0|+44 31 42|HIIReg|
NGC 7009|Saturn Nebula|21 04 10.88|-11 21 48.3|PlanetaryNeb|
NGC 7293|Helix Nebula|22 29 38.55|-20 50 13.6|PlanetaryNeb|
NGC 7317|Stephan's Quintet|22 35 51.9|+33 56 42|GroupG|
NGC 7331||22 37 04.09|+34 24 56.3|Galaxy|
NGC 7469||23 03 15.62|+08 52 26.4|SyG|
NGC 7662|Blue Snowball Nebula|23 25 53.9|+42 32 06|PlanetaryNeb|
NGC 7789|Caroline's Rose|23 57 24.0|+56 42 30|OpenCluster|
IC 10||00 20 17.34|+59 18 13.6|StarburstG|
IC 342||03 46 48.50|+68 05 46.9|Galaxy|
IC 418|Spirograph Nebula|05 27 28.20|-12 41 50.3|PlanetaryNeb|
IC 434||05 41 00.0|-02 27 12|HIIReg|
IC 1101||15 10 56.10|+05 44 41.2|Galaxy|
IC 1396||21 39 06.0|+57 30 00|HIIReg|
IC 1613||01 04 47.79|+02 07 04.0|Galaxy|
IC 2118|Witch Head Nebula|05 04 54.0|-07 13 00|RefNeb|
IC 2602|Southern Pleiades;theta Car Cluster|10 42 58.0|-64 23 54|OpenCluster|
IC 4665||17 46 18.0|+05 43 00|OpenCluster|
IC 5146|Cocoon Nebula|21 53 24.0|+47 16 00|HIIReg|
Barnard 33|Horsehead Nebula;B33|05 40 59.0|-02 27 30|DarkNeb|
LMC|Large Magellanic Cloud|05 23 34.5|-69 45 22|Galaxy|
SMC|Small Magellanic Cloud|00 52 44.8|-72 49 43|Galaxy|
Sgr A*|Sagittarius A*;Galactic Center|17 45 40.04|-29 00 28.17|Radio|
Cas A|Cassiopeia A;3C 461|23 23 24.0|+58 48 54|SNRemnant|
3C 273||12 29 06.70|+02 03 08.6|QSO|
Cygnus A|3C 405;Cyg A|19 59 28.36|+40 44 02.1|SyG|
Hoag's Object||15 17 14.4|+21 35 08|Galaxy|
Abell 1689|ACO 1689|13 11 29.5|-01 20 17|ClG|
Abell 2218|ACO 2218|16 35 49.0|+66 12 45|ClG|
Abell 1656|Coma Cluster;ACO 1656|12 59 48.7|+27 58 50|ClG|
Bullet Cluster|1E 0657-56;1E 0657-558|06 58 37.9|-55 57 00|ClG|
Hubble Deep Field|HDF;HDF-N;GOODS-N|12 36 49.4|+62 12 58|Field|
Hubble Ultra Deep Field|HUDF;GOODS-S|03 32 39.0|-27 47 29|Field|
SN 1987A|SN1987A|05 35 28.03|-69 16 11.1|SN|
Cyg X-1|Cygnus X-1|19 58 21.68|+35 12 05.8|HXB|
Vela Pulsar|PSR B0833-45|08 35 20.66|-45 10 35.2|Pulsar|
Crab Pulsar|PSR B0531+21|05 34 31.97|+22 00 52.1|Pulsar|
Sirius|alf CMa;Alpha Canis Majoris;HD 48915|06 45 08.92|-16 42 58.0|SB*|TIC 322899250
Canopus|alf Car;HD 45348|06 23 57.11|-52 41 44.4|Star|
Arcturus|alf Boo;HD 124897|14 15 39.67|+19 10 56.7|RGB*|
Vega|alf Lyr;Alpha Lyrae;HD 172167|18 36 56.34|+38 47 01.3|delSctV*|TIC 157587146
Capella|alf Aur;HD 34029|05 16 41.36|+45 59 52.8|SB*|
Rigel|bet Ori;HD 34085|05 14 32.27|-08 12 05.9|BlueSG*|
Procyon|alf CMi;HD 61421|07 39 18.12|+05 13 30.0|SB*|
Betelgeuse|alf Ori;Alpha Orionis;HD 39801|05 55 10.31|+07 24 25.4|RedSG*|
Achernar|alf Eri;HD 10144|01 37 42.85|-57 14 12.3|Be*|
Altair|alf Aql;HD 187642|19 50 47.00|+08 52 06.0|delSctV*|
Aldebaran|alf Tau;HD 29139|04 35 55.24|+16 30 33.5|LongPeriodV*|
Antares|alf Sco;HD 148478|16 29 24.46|-26 25 55.2|RedSG*|
Spica|alf Vir;HD 116658|13 25 11.58|-11 09 40.8|ellipVar|
Pollux|bet Gem;HD 62509|07 45 18.95|+28 01 34.3|PulsV*|
Fomalhaut|alf PsA;HD 216956|22 57 39.05|-29 37 20.1|Star|
Deneb|alf Cyg;HD 197345|20 41 25.92|+45 16 49.2|alf2CVnV*|
Regulus|alf Leo;HD 87901|10 08 22.31|+11 58 02.0|PulsV*|
Castor|alf Gem;HD 60179|07 34 35.87|+31 53 17.8|SB*|
Polaris|alf UMi;North Star;HD 8890|02 31 49.09|+89 15 50.8|cCepheid|
Bellatrix|gam Ori;HD 35468|05 25 07.86|+06 20 58.9|Star|
Alnitak|zet Ori;HD 37742|05 40 45.53|-01 56 33.3|Star|
Alnilam|eps Ori;HD 37128|05 36 12.81|-01 12 06.9|BlueSG*|
Mintaka|del Ori;HD 36486|05 32 00.40|-00 17 56.7|EB*|
Mizar|zet UMa;HD 116656|13 23 55.54|+54 55 31.3|SB*|
Alcor|80 UMa;HD 116842|13 25 13.54|+54 59 16.7|SB*|
Dubhe|alf UMa;HD 95689|11 03 43.67|+61 45 03.7|SB*|
Thuban|alf Dra;HD 123299|14 04 23.35|+64 22 33.1|SB*|
Alpha Centauri A|Rigil Kentaurus;alf Cen A;HD 128620|14 39 36.49|-60 50 02.4|SB*|
Proxima Centauri|Proxima Cen;alf Cen C;GJ 551|14 29 42.95|-62 40 46.1|Flare*|TIC 388857263
Barnard's Star|Barnards Star;GJ 699;V2500 Oph|17 57 48.50|+04 41 36.1|BYDraV*|TIC 325554331
Tau Ceti|tau Cet;HD 10700;GJ 71|01 44 04.08|-15 56 14.9|Star|
Epsilon Eridani|eps Eri;HD 22049;GJ 144|03 32 55.84|-09 27 29.7|BYDraV*|
61 Cygni A|61 Cyg A;HD 201091;GJ 820 A|21 06 53.94|+38 44 57.9|BYDraV*|
Wolf 359|GJ 406;CN Leo|10 56 28.86|+07 00 52.8|Flare*|
Lalande 21185|GJ 411;HD 95735|11 03 20.19|+35 58 11.6|BYDraV*|
Kapteyn's Star|GJ 191;HD 33793|05 11 40.59|-45 01 06.4|HighPM*|
Luyten's Star|GJ 273|07 27 24.50|+05 13 32.8|BYDraV*|
Eta Carinae|eta Car;HD 93308|10 45 03.59|-59 41 04.3|LBV*|
Mira|omi Cet;HD 14386|02 19 20.79|-02 58 39.5|Mira|
Algol|bet Per;HD 19356|03 08 10.13|+40 57 20.3|Algol|
Tabby's Star|Boyajian's Star;TYC 3162-665-1|20 06 15.45|+44 27 24.8|Star|KIC 8462852
Gliese 581|GJ 581;HO Lib|15 19 26.83|-07 43 20.2|BYDraV*|
GJ 1214||17 15 18.94|+04 57 50.1|HighPM*|TIC 467929202
GJ 436||11 42 11.09|+26 42 23.7|HighPM*|TIC 138819293
GJ 357||09 36 01.64|-21 39 38.9|HighPM*|TIC 413248763
AU Mic|AU Microscopii;GJ 803;HD 197481|20 45 09.53|-31 20 27.2|BYDraV*|TIC 441420236
Beta Pictoris|bet Pic;HD 39060|05 47 17.09|-51 03 59.4|delSctV*|TIC 270577175
HR 8799|HD 218396;V342 Peg|23 07 28.72|+21 08 03.3|gammaDorV*|
51 Peg|51 Pegasi;HD 217014|22 57 27.98|+20 46 07.8|Star|
55 Cnc|55 Cancri;rho01 Cnc;HD 75732|08 52 35.81|+28 19 50.9|HighPM*|
TRAPPIST-1|2MASS J23062928-0502285|23 06 29.28|-05 02 28.6|BrownD*|EPIC 246199087
HD 209458|V376 Peg|22 03 10.77|+18 53 03.5|Star|TIC 420814525
HD 189733|V452 Vul|20 00 43.71|+22 42 39.1|BYDraV*|TIC 256364928
HD 149026||16 30 29.62|+38 20 50.3|Star|
HD 80606||09 22 37.58|+50 36 13.4|Star|
HD 97658||11 14 33.16|+25 42 37.4|Star|
HD 219134||23 13 16.98|+57 10 06.1|HighPM*|
WASP-12||06 30 32.79|+29 40 20.3|Star|TIC 86396382
WASP-17||15 59 50.95|-28 03 42.3|Star|
WASP-18||01 37 25.03|-45 40 40.4|Star|TIC 100100827
WASP-19||09 53 40.08|-45 39 33.1|Star|
WASP-33|HD 15082|02 26 51.06|+37 33 01.7|delSctV*|
WASP-39||14 29 18.40|-03 26 40.2|Star|
WASP-43||10 19 38.01|-09 48 22.6|Star|TIC 36734222
WASP-69||21 00 06.19|-05 05 40.0|Star|
WASP-76||01 46 31.86|+02 42 02.1|Star|
WASP-80||20 12 40.18|-02 08 39.2|Star|
WASP-96||00 04 11.14|-47 21 38.3|Star|
WASP-107||12 33 32.84|-10 08 46.2|Star|EPIC 228724232
WASP-121||07 10 24.06|-39 05 50.6|Star|TIC 22529346
HAT-P-7|Kepler-2|19 28 59.36|+47 58 10.2|Star|KIC 10666592
HAT-P-11|Kepler-3|19 50 50.25|+48 04 51.1|BYDraV*|KIC 10748390
HAT-P-26||14 12 37.53|+04 03 36.1|Star|
Kepler-7||19 14 19.60|+41 05 23.3|Star|KIC 5780885
Kepler-10||19 02 43.06|+50 14 28.7|Star|KIC 11904151
Kepler-11||19 48 27.62|+41 54 32.9|Star|KIC 6541920
Kepler-16||19 16 18.18|+51 45 26.8|EB*|KIC 12644769
Kepler-22||19 16 52.19|+47 53 04.0|Star|KIC 10593626
Kepler-62||18 52 51.05|+45 20 59.4|Star|KIC 9002278
Kepler-90||18 57 44.04|+49 18 18.6|Star|KIC 11442793
Kepler-186||19 54 36.65|+43 57 18.0|Star|KIC 8120608
Kepler-452||19 44 00.89|+44 16 39.2|Star|KIC 8311864
K2-18||11 30 14.52|+07 35 18.3|HighPM*|EPIC 201912552
K2-138||23 15 47.77|-10 50 58.9|Star|EPIC 245950175
TOI-700||06 28 23.23|-65 34 45.5|HighPM*|TIC 150428135
TOI-270||04 33 39.72|-51 57 22.4|HighPM*|TIC 259377017
TOI-1338||06 08 31.97|-59 32 28.1|EB*|TIC 260128333
Pi Men|pi Mensae;HD 39091;TOI-144|05 37 09.89|-80 28 08.8|Star|TIC 261136679
LHS 3844|TOI-136|22 41 59.09|-69 10 19.6|HighPM*|TIC 410153553
LTT 1445 A|TOI-455|03 01 51.39|-16 35 36.1|HighPM*|TIC 98796344
LP 791-18|TOI-736|11 02 45.95|-16 24 22.3|HighPM*|TIC 181804752
L 98-59|TOI-175|08 18 07.62|-68 18 46.8|HighPM*|TIC 307210830
"""
